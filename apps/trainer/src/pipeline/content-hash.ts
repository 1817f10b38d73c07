/**
 * Content hash of a dataset that does not depend on the order its rows arrive in (chunks, cursors
 * and series order may change between runs): each row is hashed on its own (sha256 of a canonical
 * encoding, NaN written as one bit pattern) and the digests are added as 256-bit integers modulo
 * 2^256, a multiset hash; the final digest covers that sum, the row count and a context string.
 */
import { createHash } from 'node:crypto';

export class MultisetHash {
  private readonly sum = new Uint32Array(8);
  private n = 0;

  add(bytes: Uint8Array): void {
    const d = createHash('sha256').update(bytes).digest();
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const s = this.sum[i] + d.readUInt32LE(i * 4) + carry;
      this.sum[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  /** `sha256:<hex>` over the context, the number of rows and the sum. */
  digest(context = ''): string {
    const sum = Buffer.from(this.sum.buffer, this.sum.byteOffset, this.sum.byteLength).toString('hex');
    return `sha256:${createHash('sha256').update(`${context}\n${this.n}\n${sum}`).digest('hex')}`;
  }
}

export interface HashedRow {
  seriesKey: string;
  anchor: number;
  horizon: number;
  /** The row's features: `features[offset .. offset + numFeatures - 1]`. */
  features: Float32Array;
  offset: number;
  numFeatures: number;
  target: number;
  censored: number;
  scale: number;
}

const CANONICAL_NAN32 = 0x7fc00000;
/** High word of the canonical float64 NaN (low word 0). */
const CANONICAL_NAN64_HIGH = 0x7ff80000;

/** Canonical bytes of a dataset row (reuses one buffer: hash them before encoding the next row). */
export class RowEncoder {
  private buf = Buffer.alloc(256);

  encode(r: HashedRow): Buffer {
    const keyLen = Buffer.byteLength(r.seriesKey, 'utf8');
    const size = 4 + keyLen + 4 + 4 + 8 + 1 + 8 + 4 * r.numFeatures;
    if (this.buf.length < size) this.buf = Buffer.alloc(size * 2);
    const b = this.buf;
    let o = b.writeUInt32LE(keyLen, 0);
    o += b.write(r.seriesKey, o, 'utf8');
    o = b.writeInt32LE(r.anchor, o);
    o = b.writeInt32LE(r.horizon, o);
    o = Number.isNaN(r.target)
      ? b.writeUInt32LE(CANONICAL_NAN64_HIGH, b.writeUInt32LE(0, o))
      : b.writeDoubleLE(r.target, o);
    o = b.writeUInt8(r.censored ? 1 : 0, o);
    o = b.writeDoubleLE(r.scale, o);
    for (let f = 0; f < r.numFeatures; f++) {
      const v = r.features[r.offset + f];
      o = Number.isNaN(v) ? b.writeUInt32LE(CANONICAL_NAN32, o) : b.writeFloatLE(v, o);
    }
    return b.subarray(0, o);
  }
}
