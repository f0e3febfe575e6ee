// One TCP connect of the audit with a deadline, told apart the way the report needs: `open`, `closed`
// (refused, or no answer before the deadline: nothing listens, or a firewall drops it), or `error`
// (the host is unreachable, the address is refused by the kernel…), with a short reason.
import { Socket } from 'node:net';

/** How a connect ended. */
export type TcpOpen =
  | { kind: 'open'; socket: Socket }
  | { kind: 'closed'; detail: string }
  | { kind: 'error'; detail: string };

/** Connects to `host`:`port` within `timeoutMs`. The open socket is the caller's to destroy. */
export function openTcp(host: string, port: number, timeoutMs: number): Promise<TcpOpen> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let done = false;
    const finish = (r: TcpOpen): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      if (r.kind !== 'open') socket.destroy();
      resolve(r);
    };
    const onError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'ECONNREFUSED') finish({ kind: 'closed', detail: 'connection refused' });
      else finish({ kind: 'error', detail: e.code ?? e.message });
    };
    const timer = setTimeout(() => finish({ kind: 'closed', detail: `no answer to the connect within ${timeoutMs} ms` }), timeoutMs);
    socket.once('error', onError);
    socket.connect({ host, port }, () => {
      // The clients add their own error handler; until then an error must not go unhandled.
      socket.on('error', () => {});
      finish({ kind: 'open', socket });
    });
  });
}
