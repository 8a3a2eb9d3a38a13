// The gRPC and protobuf runtime (@grpc/grpc-js, protobufjs), as one file when the build
// made it: scripts/post-build.mjs bundles both packages into dist/proto/rpc-runtime.cjs.
// Loaded from node_modules they are about 110 CommonJS files, and resolving, reading and
// wrapping each cost more CPU at every process start (each CLI command, daemon, task
// runner) than compiling the code itself. Same code, same versions; without the bundle
// (a source checkout that was not built) the packages are loaded as they are.
//
// The bundle is compiled with V8's code cache when the build wrote one
// (dist/proto/rpc-runtime.cache, by rpc-code-cache.ts: the bytecode of the bundle's top
// level and of the functions a connect and a call run). Compiling 0.9 MB cost ~11 ms of
// every process start and the first call compiled more: 33 ms to load and 25 ms to
// connect and call without it, 21 and 22 with it. A cache made by another Node or V8 is
// rejected by V8 (checked on every load) and the bundle is compiled as it would be.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type * as Grpc from '@grpc/grpc-js';
import type Protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const bundle = fileURLToPath(new URL('./rpc-runtime.cjs', import.meta.url));
const codeCache = fileURLToPath(new URL('./rpc-runtime.cache', import.meta.url));

interface Runtime {
  grpc: typeof Grpc;
  protobuf: typeof Protobuf;
}

/** How the runtime was loaded: 'packages' (no bundle), or the bundle with its code cache
 *  accepted, rejected (made by another V8) or absent. */
export let rpcRuntimeLoad: 'packages' | 'cache-accepted' | 'cache-rejected' | 'no-cache' = 'packages';
let script: Script | null = null;

/** Loads the bundle as Node's CommonJS loader would (the same wrapper and arguments),
 *  compiled with the code cache if there is one. */
function loadBundle(): Runtime {
  const cachedData = existsSync(codeCache) ? readFileSync(codeCache) : undefined;
  script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  rpcRuntimeLoad = cachedData === undefined ? 'no-cache' : script.cachedDataRejected === true ? 'cache-rejected' : 'cache-accepted';
  const init = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const module = { exports: {} };
  init.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports as Runtime;
}

const runtime: Runtime = existsSync(bundle) ? loadBundle() : { grpc: require('@grpc/grpc-js') as typeof Grpc, protobuf: require('protobufjs') as typeof Protobuf };

export const grpc = runtime.grpc;
export const protobuf = runtime.protobuf;

/** Writes the code cache of the bundle as compiled so far in this process (the build's
 *  rpc-code-cache.ts, after a connect and a call). False without a bundle. */
export function writeRpcCodeCache(): boolean {
  if (script === null) return false;
  writeFileSync(codeCache, script.createCachedData());
  return true;
}
