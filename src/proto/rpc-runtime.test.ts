import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { grpc, protobuf, rpcRuntimeLoad } from './rpc-runtime.js';

void test('the built RPC runtime loads as one bundle compiled from the code cache the build wrote', () => {
  assert.equal(typeof grpc.Client, 'function');
  assert.equal(typeof protobuf.Root, 'function');
  if (!existsSync(fileURLToPath(new URL('./rpc-runtime.cjs', import.meta.url)))) return; // a source tree run without the build
  assert.ok(existsSync(fileURLToPath(new URL('./rpc-runtime.cache', import.meta.url))), 'the build wrote dist/proto/rpc-runtime.cache');
  assert.equal(rpcRuntimeLoad, 'cache-accepted', 'V8 took the code cache the build made with this Node');
});
