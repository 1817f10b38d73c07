/**
 * The JSON form of a neural-net model for the registry: configuration, scaling, training history and
 * every weight as base64 of its little-endian float32 bytes. Deterministic: the same model gives the
 * same string.
 */
import type { RecordedParams } from '../trees';
import type { Weight } from './init';
import type { NetConfig } from './nets';
import type { HistoryEntry, NnLossConfig } from './types';

export const NN_FORMAT = 'shelfcast.nn';
export const NN_FORMAT_VERSION = 1;

export interface SerializedWeight {
  name: string;
  shape: number[];
  /** base64 of little-endian float32. */
  data: string;
}

export interface SerializedNn {
  format: typeof NN_FORMAT;
  version: number;
  config: NetConfig;
  loss: NnLossConfig;
  /** Feature names (MLP) or channel names (sequence models). */
  inputNames: string[];
  /** Steps ahead of each output; [0] for the MLP, whose rows carry their own target. */
  horizons: number[];
  inputScaling: { mean: string; invStd: string };
  targetScaling: { shift: string; scale: string };
  weights: SerializedWeight[];
  bestEpoch: number;
  history: HistoryEntry[];
  params: RecordedParams;
}

/** base64 of the little-endian float32 bytes (portable: DataView, not the host's byte order). */
export function float32ToBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(4 * i, a[i], true);
  return Buffer.from(bytes).toString('base64');
}

export function base64ToFloat32(s: string, expectedLength?: number): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`base64 float32 data of ${bytes.length} bytes`);
  const n = bytes.length / 4;
  if (expectedLength !== undefined && n !== expectedLength)
    throw new Error(`expected ${expectedLength} float32 values, got ${n}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export const serializeWeight = (w: Weight): SerializedWeight => ({
  name: w.name,
  shape: w.shape.slice(),
  data: float32ToBase64(w.values),
});

export function deserializeWeight(s: SerializedWeight): Weight {
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new Error(`weight ${s.name}: bad shape ${JSON.stringify(s.shape)}`);
  return {
    name: s.name,
    shape: s.shape.slice(),
    values: base64ToFloat32(
      s.data,
      s.shape.reduce((a, b) => a * b, 1),
    ),
  };
}
