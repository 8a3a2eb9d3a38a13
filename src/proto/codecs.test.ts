// The codec functions the build precompiles (dist/proto-files/codecs.cjs) behave exactly
// as those protobufjs generates at run time: same bytes, same objects, same checks, for
// every message type of the API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Protobuf from 'protobufjs';
import { protoDir, protoRoot } from './index.js';
import { protobuf } from './rpc-runtime.js';

const options = { longs: Number, enums: String, defaults: true, oneofs: true };

function scalar(type: string, depth: number, root: Protobuf.Root, parent: Protobuf.Type): unknown {
  switch (type) {
    case 'string':
      return 'sé\u0000x';
    case 'bytes':
      return Buffer.from([0, 1, 254]);
    case 'bool':
      return true;
    case 'double':
    case 'float':
      return 1.5;
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return 1_234_567_890_123;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return -7;
    case 'uint32':
    case 'fixed32':
      return 7;
    default: {
      const t = parent.lookupTypeOrEnum(type);
      if (t instanceof protobuf.Enum) return Object.keys(t.values)[1] ?? Object.keys(t.values)[0];
      return depth > 3 ? undefined : sample(t as Protobuf.Type, depth + 1, root);
    }
  }
}

/** A value for every field (maps with two keys, repeated fields with two items). */
function sample(t: Protobuf.Type, depth: number, root: Protobuf.Root): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    const v = scalar(f.type, depth, root, t);
    if (v === undefined) continue;
    const keyType = (f as unknown as { keyType?: string }).keyType;
    if (f.map) o[f.name] = { [keyType === 'string' ? 'k1' : '1']: v, [keyType === 'string' ? 'k2' : '2']: v };
    else if (f.repeated) o[f.name] = [v, v];
    else o[f.name] = v;
  }
  return o;
}

function types(ns: Protobuf.NamespaceBase, out: Protobuf.Type[] = []): Protobuf.Type[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) out.push(o);
    if (o instanceof protobuf.Namespace) types(o, out);
  }
  return out;
}

test('precompiled codecs match the ones protobufjs generates, for every message type', (t) => {
  const json = join(protoDir(), 'descriptors.json');
  if (!existsSync(join(protoDir(), 'codecs.cjs'))) {
    t.skip('no precompiled codecs in this build');
    return;
  }
  const generated = protobuf.Root.fromJSON(JSON.parse(readFileSync(json, 'utf8')) as Protobuf.INamespace);
  const precompiled = protoRoot();
  const all = types(precompiled);
  assert.ok(all.length > 40, `${all.length} message types`);
  for (const a of all) {
    const b = generated.lookupType(a.fullName);
    for (const value of [{}, sample(a, 0, precompiled)]) {
      const bytesA = a.encode(a.fromObject(value)).finish();
      const bytesB = b.encode(b.fromObject(value)).finish();
      assert.deepEqual(Buffer.from(bytesA), Buffer.from(bytesB), `${a.fullName}: encoded bytes`);
      assert.deepEqual(a.toObject(a.decode(bytesA), options), b.toObject(b.decode(bytesB), options), `${a.fullName}: decoded object`);
      assert.equal(a.verify(value), b.verify(value), `${a.fullName}: verify`);
    }
    const bad = Object.fromEntries(a.fieldsArray.map((f) => [f.name, f.repeated || f.map ? 5 : {}]));
    assert.equal(a.verify(bad), b.verify(bad), `${a.fullName}: verify of a bad value`);
    assert.ok(Object.hasOwn(a, 'setup'), `${a.fullName} is set up from the precompiled functions`);
  }
});
