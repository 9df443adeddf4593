/**
 * The two network hops the container shape of the local stage needs, in one process
 * (`scripts/local.sh` starts and stops it):
 *
 * 1. Docker's bridge: the emulator and the machine's PostgreSQL listen on 127.0.0.1 only, and the task
 *    containers sit on the bridge. Each connection to `<bridge address>:<port>` is piped to
 *    `127.0.0.1:<port>`; the bridge is reachable from this host and its containers, not from the
 *    network, so nothing is opened wider than it was. (socat does this too; one Node process saves a
 *    dependency and a process per port.)
 * 2. API Gateway to the ALB: MiniStack 1.5.33 reads the body of a 4xx/5xx answer of an HTTP_PROXY
 *    integration on its event loop, the same loop that writes that body when the backend is its own
 *    ALB data plane: every error answer waits for the 30 s proxy timeout (docs/local-emulator.md).
 *    This hop fetches the whole answer from the emulator's `/_alb/...` and writes it in one piece,
 *    so the body is already in the socket when the status line is read.
 *
 * Usage: tsx scripts/local-network.ts --emulator http://127.0.0.1:4566 --alb-port 4599 --bridge 172.17.0.1 --forward 4566,5432
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    emulator: { type: 'string', default: 'http://127.0.0.1:4566' },
    'alb-port': { type: 'string' },
    bridge: { type: 'string' },
    forward: { type: 'string', default: '' },
  },
});

function fail(what: string, err: Error): never {
  console.error(`local-network: ${what}: ${err.message}`);
  process.exit(1);
}

if (values.bridge) {
  for (const port of values.forward.split(',').filter(Boolean).map(Number)) {
    const server = net.createServer((inbound) => {
      const outbound = net.connect({ host: '127.0.0.1', port });
      inbound.pipe(outbound).pipe(inbound);
      // A reset on one side closes the other; nothing to log per connection.
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    server.on('error', (err) => fail(`cannot listen on ${values.bridge}:${port}`, err));
    server.listen(port, values.bridge, () => console.error(`local-network: ${values.bridge}:${port} -> 127.0.0.1:${port}`));
  }
}

if (values['alb-port']) {
  const emulator = new URL(values.emulator);
  const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
      const upstream = http.request(
        {
          host: emulator.hostname,
          port: emulator.port,
          method: req.method,
          path: req.url,
          headers: { ...headers, 'content-length': Buffer.concat(body).length },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const payload = Buffer.concat(chunks);
            const out = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
            res.writeHead(answer.statusCode ?? 502, { ...out, 'content-length': payload.length });
            res.end(payload);
          });
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `emulator unreachable: ${err.message}` }));
      });
      upstream.end(Buffer.concat(body));
    });
  });
  server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${values['alb-port']}`, err));
  server.listen(Number(values['alb-port']), '127.0.0.1', () =>
    console.error(`local-network: http://127.0.0.1:${values['alb-port']}/_alb/* -> ${emulator.origin} (whole answers)`),
  );
}
