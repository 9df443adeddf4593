import * as net from 'node:net';

/**
 * A TCP proxy to a real server that can be told to hang: it then keeps every connection open and
 * accepts new ones, but forwards nothing either way (it stops reading, so bytes wait in the kernel as
 * they would behind a frozen host), as a Redis whose host froze does. Unlike a stopped server,
 * nothing is refused: clients only time out. Told to answer again, it delivers what waited.
 */
export class HangingProxy {
  private frozen = false;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  get hung(): boolean {
    return this.frozen;
  }
  set hung(value: boolean) {
    this.frozen = value;
    for (const s of this.sockets) {
      if (value) s.pause();
      else s.resume();
    }
  }

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
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.frozen) for (const s of [client, upstream]) s.pause();
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
