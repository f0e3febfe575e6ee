// The part of the `ssh2` package (pure JavaScript SSH, pinned in package.json) that the audit's SSH
// client uses, typed here: @types/ssh2 pins @types/node 18, whose globals would clash with ours.
declare module 'ssh2' {
  import type { EventEmitter } from 'node:events';
  import type { Duplex } from 'node:stream';

  /** What ssh2 says went wrong: `level` is client-authentication, client-timeout, client-socket, handshake, protocol… */
  export interface SshError extends Error {
    level?: string;
  }

  /** Answers one keyboard-interactive round: one answer per prompt. */
  export type KeyboardFinish = (answers: string[]) => void;

  /** The next authentication to try, or false to give up. */
  export type NextAuth =
    | { type: 'password'; username: string; password: string }
    | { type: 'keyboard-interactive'; username: string; prompt: (name: string, instructions: string, lang: string, prompts: { prompt: string; echo: boolean }[], finish: KeyboardFinish) => void }
    | { type: 'none'; username: string }
    | false;

  export interface ConnectConfig {
    /** An already connected socket. */
    sock?: Duplex;
    username?: string;
    /** Deadline of the handshake and the authentication, ms. */
    readyTimeout?: number;
    /** Called before each authentication: the methods the server still allows (null before the first), whether the last was a partial success. */
    authHandler?: (methodsLeft: string[] | null, partialSuccess: boolean | null, next: (auth: NextAuth) => void) => NextAuth | undefined;
    /** Accepts or refuses the server's host key. */
    hostVerifier?: (key: Buffer) => boolean;
    keepaliveInterval?: number;
  }

  export class Client extends EventEmitter {
    connect(config: ConnectConfig): this;
    end(): this;
    destroy(): this;
  }
}
