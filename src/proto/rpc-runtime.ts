// The gRPC and protobuf runtime (@grpc/grpc-js, protobufjs), as one file when the build
// made it: scripts/post-build.mjs bundles both packages into dist/proto/rpc-runtime.cjs.
// Loaded from node_modules they are about 110 CommonJS files, and resolving, reading and
// wrapping each cost more CPU at every process start (each CLI command, daemon, task
// runner) than compiling the code itself. Same code, same versions; without the bundle
// (a source checkout that was not built) the packages are loaded as they are.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Grpc from '@grpc/grpc-js';
import type Protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const bundle = fileURLToPath(new URL('./rpc-runtime.cjs', import.meta.url));

const runtime = (existsSync(bundle) ? require(bundle) : { grpc: require('@grpc/grpc-js'), protobuf: require('protobufjs') }) as { grpc: typeof Grpc; protobuf: typeof Protobuf };

export const grpc = runtime.grpc;
export const protobuf = runtime.protobuf;
