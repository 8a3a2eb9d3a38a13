// Record writers for job output files (reduce output, or map output of map-only jobs).

import { writeDefaultText, type Codec } from './codecs.js';
import type { OutputSpec } from './formats.js';
import type { OutputSink } from './fs.js';

const tab = Buffer.from('\t');
const newline = Buffer.from('\n');

export class RecordWriter<K, V> {
  records = 0;
  private scratch = Buffer.allocUnsafe(4096);

  constructor(
    private readonly sink: OutputSink,
    private readonly spec: OutputSpec,
    private readonly keyCodec?: Codec<K>,
    private readonly valueCodec?: Codec<V>,
  ) {}

  get bytes(): number {
    return this.sink.bytesWritten;
  }

  write(key: K, value: V): void {
    this.records++;
    const out = this.sink;
    switch (this.spec.format) {
      case 'text': {
        const hasKey = key !== null && key !== undefined;
        const hasValue = value !== null && value !== undefined;
        if (hasKey) {
          if (this.keyCodec !== undefined) this.keyCodec.text(key, out);
          else writeDefaultText(key, out);
        }
        if (hasKey && hasValue) out.writeBytes(tab);
        if (hasValue) {
          if (this.valueCodec !== undefined) this.valueCodec.text(value, out);
          else writeDefaultText(value, out);
        }
        out.writeBytes(newline);
        return;
      }
      case 'raw':
        this.writeRaw(key, this.keyCodec);
        this.writeRaw(value, this.valueCodec);
        return;
      case 'jsonl':
        out.writeString(JSON.stringify({ key, value }));
        out.writeBytes(newline);
        return;
    }
  }

  private writeRaw<T>(v: T, codec: Codec<T> | undefined): void {
    if (Buffer.isBuffer(v) && (codec === undefined || codec.name === 'raw')) {
      this.sink.write(v);
      return;
    }
    if (codec === undefined) {
      writeDefaultText(v, this.sink);
      return;
    }
    for (;;) {
      const n = codec.write(v, this.scratch, 0);
      if (n >= 0) {
        this.sink.write(this.scratch.subarray(0, n));
        return;
      }
      this.scratch = Buffer.allocUnsafe(this.scratch.length * 2);
    }
  }

  async close(): Promise<void> {
    await this.sink.close();
  }
}
