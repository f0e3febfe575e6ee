// What every TCP module's per-connection state shows the dispatcher (app-dispatch.ts): whether the
// module has read all it wants, so that the rest of the connection costs one branch per segment.

/** Base of the state a TcpAppModule creates. */
export interface StreamState {
  /**
   * Set by the module once nothing more of the connection interests it (TLS after both hellos, SSH
   * after both identification lines, telnet past its byte budget). The dispatcher then stops
   * feeding it and does not call `end`: a done module has nothing pending.
   */
  done: boolean;
}
