import * as net from 'node:net';

/**
 * A TCP proxy to a real server that can be told to hang: it then keeps every connection open and
 * accepts new ones, but forwards nothing either way, as a Redis whose host froze (or a network that
 * black-holes packets) does. Unlike a stopped server, nothing is refused: clients only time out.
 */
export class HangingProxy {
  hung = false;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.on('data', (chunk) => void (this.hung || upstream.write(chunk)));
      upstream.on('data', (chunk) => void (this.hung || client.write(chunk)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
