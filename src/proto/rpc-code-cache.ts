// Build step (scripts/post-build.mjs runs it after bundling the RPC runtime): compiles
// the bundle, runs what every process runs of it — a server bound on loopback, a client
// that connects and makes a call with the API's own codecs — and writes V8's code cache
// of everything compiled so far next to the bundle (see rpc-runtime.ts).

import { clusterManagerClient, clusterManagerService, bindServer, grpc, unary, type Grpc } from './index.js';
import { rpcRuntimeLoad, writeRpcCodeCache } from './rpc-runtime.js';

async function main(): Promise<void> {
  if (rpcRuntimeLoad === 'packages') throw new Error('no RPC runtime bundle to cache: run the build first');
  const server = new grpc.Server();
  server.addService(clusterManagerService(), {
    GetClusterInfo: (_call: unknown, cb: (err: null, res: object) => void) => cb(null, { version: 'code-cache', http_address: '127.0.0.1:1' }),
  } as unknown as Grpc.UntypedServiceImplementation);
  const port = await bindServer(server, '127.0.0.1', 0);
  const client = clusterManagerClient(`127.0.0.1:${port}`);
  try {
    const info = await unary<object, { version: string }>(client, 'GetClusterInfo', {}, 5_000);
    if (info.version !== 'code-cache') throw new Error(`unexpected answer ${JSON.stringify(info)}`);
  } finally {
    client.close();
    server.forceShutdown();
  }
  writeRpcCodeCache();
}

main().catch((e: unknown) => {
  process.stderr.write(`rpc-code-cache: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
