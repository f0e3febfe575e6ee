// The dashboard's top level: the sign-in page or the signed-in workspace. A token kept in
// sessionStorage signs in again after a reload; while the gateway is unreachable it keeps trying.
import { signIn, SignInError, storedToken, storeToken, type Session } from './api/session';
import { signInView } from './views/sign-in-view';
import { Workspace } from './workspace';

/** Retry interval for a stored token while the gateway cannot be reached (ms). */
const RESTORE_RETRY_MS = 3000;

export class App {
  private workspace: Workspace | null = null;

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    const token = storedToken();
    if (token === null) this.showSignIn(null);
    else void this.restore(token);
  }

  private async restore(token: string): Promise<void> {
    try {
      this.enter(await signIn(token));
    } catch (e) {
      if (e instanceof SignInError && e.transient) {
        this.showSignIn(`${e.message} Retrying…`, token);
        window.setTimeout(() => {
          if (this.workspace === null && storedToken() === token) void this.restore(token);
        }, RESTORE_RETRY_MS);
        return;
      }
      storeToken(null);
      this.showSignIn(e instanceof Error ? e.message : String(e));
    }
  }

  private showSignIn(error: string | null, token?: string): void {
    const v = signInView({ error: error ?? undefined, token, onSignedIn: (s) => this.enter(s) });
    this.root.replaceChildren(v.el);
    document.title = 'edgeward · sign in';
  }

  private enter(session: Session): void {
    storeToken(session.token);
    this.workspace = new Workspace(this.root, session, (reason) => {
      this.workspace = null;
      storeToken(null);
      this.showSignIn(reason);
    });
    this.workspace.start();
  }
}
