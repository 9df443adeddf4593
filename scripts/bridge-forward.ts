/**
 * Makes services that listen on 127.0.0.1 only (the emulator, the machine's PostgreSQL) reachable
 * from the task containers on Docker's bridge, without rebinding them to every interface: listens on
 * the bridge's gateway address and pipes each connection to the same port on 127.0.0.1. The bridge
 * is reachable from this host and its containers only, not from the network.
 * Usage: tsx scripts/bridge-forward.ts <bridge address> <port>...
 * (socat does this too; one Node process here saves a dependency and a process per port.)
 */
import * as net from 'node:net';

const [address, ...ports] = process.argv.slice(2);
if (!address || ports.length === 0) {
  console.error('usage: tsx scripts/bridge-forward.ts <bridge address> <port>...');
  process.exit(2);
}

for (const port of ports.map(Number)) {
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port });
    inbound.pipe(outbound).pipe(inbound);
    // A reset on one side closes the other; nothing to log per connection.
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.on('error', (err) => {
    console.error(`bridge-forward: cannot listen on ${address}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, address, () => console.error(`bridge-forward: ${address}:${port} -> 127.0.0.1:${port}`));
}
