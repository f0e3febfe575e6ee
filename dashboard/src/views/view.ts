// What every page is to the workspace: an element to mount and a way to stop its timers and
// listeners when the user leaves it; plus what pages get to work with.
import type { HttpClient } from '../api/http-client';
import type { Session } from '../api/session';
import type { LiveData } from '../state/live-data';

export interface View {
  readonly el: HTMLElement;
  /** Shown again after being hidden (views kept across navigation). */
  shown?(): void;
  /** About to be hidden but kept. */
  hidden?(): void;
  destroy(): void;
}

export interface ViewContext {
  session: Session;
  http: HttpClient;
  live: LiveData;
}
