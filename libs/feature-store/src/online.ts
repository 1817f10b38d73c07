/**
 * The online store: one Redis key per series and feature-set fingerprint holding the vectors of
 * every horizon, read for one or many series in a single round trip (GET / MGET).
 *
 * Value layout (little-endian): "SCFV", u8 format version, u8 reserved, u16 header length, the
 * header as JSON ({anchor, asOf, scale, horizon, numFeatures, computedAt}), zero padding to a
 * multiple of 4, then horizon x numFeatures float32 values.
 */
import type { FeatureSet } from '@shelfcast/features-core';
import type { Redis } from 'ioredis';

import type { SeriesRef } from './history';
import type { SeriesVectors } from './vectors';

const MAGIC = 0x56464353; // "SCFV" read as u32 LE
const FORMAT = 1;

interface Header {
  anchor: number;
  asOf: string;
  scale: number;
  horizon: number;
  numFeatures: number;
  computedAt: string;
}

export interface OnlineVectors extends SeriesVectors {
  computedAt: string;
}

export function encodeVectors(v: SeriesVectors, computedAt = new Date()): Buffer {
  const header: Header = {
    anchor: v.anchor,
    asOf: v.asOf,
    scale: v.scale,
    horizon: v.horizon,
    numFeatures: v.numFeatures,
    computedAt: computedAt.toISOString(),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataOffset = Math.ceil((8 + json.length) / 4) * 4;
  const buf = Buffer.alloc(dataOffset + v.values.byteLength);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt8(FORMAT, 4);
  buf.writeUInt16LE(json.length, 6);
  json.copy(buf, 8);
  Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength).copy(buf, dataOffset);
  return buf;
}

export function decodeVectors(ref: SeriesRef, buf: Buffer): OnlineVectors {
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC)
    throw new Error(`online vector of ${ref.storeId}|${ref.sku} is not in the store's format`);
  const format = buf.readUInt8(4);
  if (format !== FORMAT)
    throw new Error(`online vector of ${ref.storeId}|${ref.sku} has format ${format}, expected ${FORMAT}`);
  const len = buf.readUInt16LE(6);
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Header;
  const dataOffset = Math.ceil((8 + len) / 4) * 4;
  const n = header.horizon * header.numFeatures;
  const values = new Float32Array(n);
  Buffer.from(values.buffer).set(buf.subarray(dataOffset, dataOffset + n * 4));
  return { storeId: ref.storeId, sku: ref.sku, ...header, values };
}

export interface OnlineStoreMeta {
  fingerprint: string;
  featureNames: string[];
  horizon: number;
  measure: string;
  description: string;
}

export class OnlineStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    readonly featureSet: FeatureSet,
    keyPrefix = '',
  ) {
    this.base = `${keyPrefix}fv:${featureSet.fingerprint}:`;
  }

  key(ref: SeriesRef): string {
    return `${this.base}${ref.storeId}|${ref.sku}`;
  }

  /** Writes vectors in one pipeline. */
  async write(vectors: readonly SeriesVectors[], computedAt = new Date()): Promise<void> {
    if (vectors.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const v of vectors) pipeline.set(this.key(v), encodeVectors(v, computedAt));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** One series (null when it has no vectors yet). */
  async read(ref: SeriesRef): Promise<OnlineVectors | null> {
    const buf = await this.redis.getBuffer(this.key(ref));
    return buf ? decodeVectors(ref, buf) : null;
  }

  /** Many series in one round trip, in the order asked (null where absent). */
  async readMany(refs: readonly SeriesRef[]): Promise<Array<OnlineVectors | null>> {
    if (refs.length === 0) return [];
    const bufs = await this.redis.mgetBuffer(...refs.map((r) => this.key(r)));
    return bufs.map((b, i) => (b ? decodeVectors(refs[i], b) : null));
  }

  async writeMeta(meta: Omit<OnlineStoreMeta, 'fingerprint' | 'featureNames' | 'description'>): Promise<void> {
    const full: OnlineStoreMeta = {
      fingerprint: this.featureSet.fingerprint,
      featureNames: [...this.featureSet.names],
      description: this.featureSet.description,
      ...meta,
    };
    await this.redis.set(`${this.base}meta`, JSON.stringify(full));
  }

  async readMeta(): Promise<OnlineStoreMeta | null> {
    const raw = await this.redis.get(`${this.base}meta`);
    return raw ? (JSON.parse(raw) as OnlineStoreMeta) : null;
  }
}
