// node socket-forward.js SOCKET_PATH HOST:PORT
//
// Forwards every connection on a unix socket to HOST:PORT. Started inside a lab host's
// network namespace (see netns.ts), it lets the harness in the root namespace talk to a
// daemon there: unix sockets live in the file system, which all namespaces share.
// Prints {"event":"ready"} once listening; exits when its parent's stdin closes.

import { createConnection, createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { parseHostPort } from '../common/net.js';

const [socketPath, target] = process.argv.slice(2);
const { host, port } = parseHostPort(target ?? '', 'target');
rmSync(socketPath, { force: true });
const server = createServer((client) => {
  const upstream = createConnection({ host, port });
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(socketPath, () => process.stdout.write(JSON.stringify({ event: 'ready' }) + '\n'));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
