// A TCP relay on 127.0.0.1 between a client and a server that hands on what the server sends only
// after a fixed delay, and drops what is still in flight when the server's side goes away: a
// client on a slow link to a gateway that died, which never gets the last frames the gateway sent.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class LaggingLink {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    /** Where clients connect. */
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1, relaying each connection to `targetPort`, server to client `lagMs` late. */
  static open(targetPort: number, lagMs: number): Promise<LaggingLink> {
    const sockets = new Set<Socket>();
    const server = createServer((down) => {
      const up = connect(targetPort, '127.0.0.1');
      sockets.add(down).add(up);
      const inFlight = new Set<NodeJS.Timeout>();
      // Client to server at once (a subscribe is not what this link delays).
      down.on('data', (b: Buffer) => up.write(b));
      // Server to client late; timers of one delay fire in the order they were set, so bytes stay in order.
      up.on('data', (b: Buffer) => {
        const t = setTimeout(() => { inFlight.delete(t); down.write(b); }, lagMs);
        inFlight.add(t);
      });
      const drop = (): void => {
        for (const t of inFlight) clearTimeout(t);
        inFlight.clear();
        down.destroy();
        up.destroy();
        sockets.delete(down);
        sockets.delete(up);
      };
      for (const s of [up, down]) {
        s.on('error', drop);
        s.on('close', drop);
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new LaggingLink(server, sockets, (server.address() as { port: number }).port)));
    });
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
