// After tsc: make the CLI executable, copy the .proto files next to the code that
// loads them at run time, and write their parsed descriptors as JSON
// (dist/proto-files/descriptors.json): every process that talks gRPC loads that instead
// of parsing the .proto text at start-up. Then bundle the gRPC and protobuf runtime
// packages into one file (dist/proto/rpc-runtime.cjs, see src/proto/rpc-runtime.ts): one
// file to load instead of about 110.
import { chmodSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { buildSync } from 'esbuild';
chmodSync('dist/cli/main.js', 0o755);
cpSync('proto', 'dist/proto-files', { recursive: true });
if (existsSync('src/web/static')) cpSync('src/web/static', 'dist/web/static', { recursive: true });
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join('proto', target);
root.loadSync(['coronet/v1/cluster_manager.proto', 'coronet/v1/node_agent.proto'], { keepCase: true });
writeFileSync('dist/proto-files/descriptors.json', JSON.stringify(root.toJSON()));
buildSync({
  stdin: { contents: "module.exports = { grpc: require('@grpc/grpc-js'), protobuf: require('protobufjs') };", resolveDir: process.cwd(), sourcefile: 'rpc-runtime-entry.cjs', loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/proto/rpc-runtime.cjs',
  logLevel: 'warning',
});
