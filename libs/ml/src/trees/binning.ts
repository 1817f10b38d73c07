/**
 * Quantile binning. Every feature gets at most maxBin value bins plus one missing bin (index numBins),
 * so that a bin fits in a Uint8Array and a histogram of a feature has numBins + 1 slots.
 *
 * Numeric bins: bin b holds upper[b-1] < x <= upper[b]; upper values are exact float32 numbers (the
 * midpoint between neighbouring distinct sample values, rounded to float32 and kept strictly below
 * the larger one) and the last is +Infinity. A split "bin <= b" is therefore the same as
 * "x <= upper[b]" on raw float32 values, which is what prediction and ONNX BRANCH_LEQ evaluate.
 *
 * Categorical bins: bin i < numBins - 1 is categories[i] (the most frequent in the sample); the last
 * value bin is "other" (rare or unseen), which never joins a left set.
 */
import { createRng } from '../core/random';
import type { FeatureMatrix } from './types';

export interface FeatureBins {
  kind: 'numeric' | 'categorical';
  /** Value bins; the missing bin is numBins. */
  numBins: number;
  /** Numeric: upper bound of each bin (float32 values, last +Infinity). Empty for categorical. */
  upper: Float32Array;
  /** Categorical: category value of each bin except the last ("other"). Empty for numeric. */
  categories: Float64Array;
}

export interface BinnedData {
  numRows: number;
  numFeatures: number;
  /** Column-major bins: feature f of row r at f * numRows + r. */
  bins: Uint8Array;
  features: FeatureBins[];
  /** Start of each feature's slots in a histogram (slots = numBins + 1). */
  histOffset: Int32Array;
  totalHistBins: number;
}

/** Reads feature f of row r whatever the layout. */
export function featureValue(m: FeatureMatrix, r: number, f: number): number {
  return m.layout === 'column-major' ? m.data[f * m.numRows + r] : m.data[r * m.numFeatures + f];
}

/** Copies one feature column into out (float32 values). */
export function readColumn(m: FeatureMatrix, f: number, out: Float32Array): Float32Array {
  const n = m.numRows;
  if (m.layout === 'column-major') {
    out.set(m.data.subarray(f * n, f * n + n));
  } else {
    const stride = m.numFeatures;
    const data = m.data;
    for (let r = 0, k = f; r < n; r++, k += stride) out[r] = data[k];
  }
  return out;
}

export interface BinningOptions {
  maxBin: number;
  sampleSize: number;
  seed: number;
  categorical: ReadonlySet<number>;
}

/** Finds bin bounds per feature from a row sample. */
export function findBins(m: FeatureMatrix, opts: BinningOptions): FeatureBins[] {
  const maxBin = Math.max(2, Math.min(255, Math.floor(opts.maxBin)));
  const n = m.numRows;
  let sample: Int32Array | null = null;
  if (n > opts.sampleSize) {
    const rng = createRng(opts.seed ^ 0x5bd1e995);
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    // Partial Fisher-Yates: the first sampleSize entries are a uniform sample.
    for (let i = 0; i < opts.sampleSize; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    sample = all.slice(0, opts.sampleSize).sort();
  }
  const size = sample ? sample.length : n;
  const col = new Float32Array(n);
  const values = new Float32Array(size);
  const result: FeatureBins[] = [];
  for (let f = 0; f < m.numFeatures; f++) {
    readColumn(m, f, col);
    let k = 0;
    if (sample) {
      for (let i = 0; i < size; i++) {
        const v = col[sample[i]];
        if (v === v) values[k++] = v;
      }
    } else {
      for (let i = 0; i < size; i++) {
        const v = col[i];
        if (v === v) values[k++] = v;
      }
    }
    const present = sortFloat32(values.subarray(0, k));
    result.push(opts.categorical.has(f) ? categoricalBins(present, maxBin) : numericBins(present, maxBin));
  }
  return result;
}

/**
 * Ascending sort of NaN-free float32 values (LSD radix sort on order-preserving integer keys: much
 * faster than the built-in typed-array sort on large arrays).
 */
export function sortFloat32(values: Float32Array): Float32Array {
  const n = values.length;
  if (n < 2) return values.slice();
  // Order-preserving int32 keys: negative floats get all bits but the sign flipped, so that signed
  // integer order is float order; the top byte is then sorted with the sign bit flipped.
  let src: Int32Array = new Int32Array(n);
  src.set(new Int32Array(values.buffer, values.byteOffset, n));
  for (let i = 0; i < n; i++) {
    const k = src[i];
    if (k < 0) src[i] = k ^ 0x7fffffff;
  }
  let dst: Int32Array = new Int32Array(n);
  const count = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    const flip = shift === 24 ? 128 : 0;
    count.fill(0);
    for (let i = 0; i < n; i++) count[((src[i] >> shift) & 255) ^ flip]++;
    if (count[((src[0] >> shift) & 255) ^ flip] === n) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = src[i];
      dst[count[((k >> shift) & 255) ^ flip]++] = k;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) {
    const k = src[i];
    if (k < 0) src[i] = k ^ 0x7fffffff;
  }
  return new Float32Array(src.buffer, 0, n);
}

function distinctCounts(sorted: Float32Array): { vals: Float64Array; counts: Float64Array } {
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) d++;
  const vals = new Float64Array(d);
  const counts = new Float64Array(d);
  let k = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) vals[++k] = sorted[i];
    counts[k]++;
  }
  return { vals, counts };
}

/** A float32 cut c with a <= c < b for float32 values a < b. */
function cutBetween(a: number, b: number): number {
  const mid = Math.fround(a + (b - a) / 2);
  return mid >= b || mid < a ? a : mid;
}

function numericBins(sorted: Float32Array, maxBin: number): FeatureBins {
  const { vals, counts } = distinctCounts(sorted);
  const upper: number[] = [];
  if (vals.length > 1) {
    if (vals.length <= maxBin) {
      for (let i = 0; i + 1 < vals.length; i++) upper.push(cutBetween(vals[i], vals[i + 1]));
    } else {
      // Greedy equal-frequency cuts; a value heavier than the target gets a bin of its own.
      let remaining = sorted.length;
      let binsLeft = maxBin;
      let acc = 0;
      for (let i = 0; i + 1 < vals.length && binsLeft > 1; i++) {
        acc += counts[i];
        const target = remaining / binsLeft;
        if (acc >= target || counts[i + 1] >= target) {
          upper.push(cutBetween(vals[i], vals[i + 1]));
          remaining -= acc;
          binsLeft--;
          acc = 0;
        }
      }
    }
  }
  upper.push(Infinity);
  return { kind: 'numeric', numBins: upper.length, upper: Float32Array.from(upper), categories: new Float64Array(0) };
}

function categoricalBins(sorted: Float32Array, maxBin: number): FeatureBins {
  const { vals, counts } = distinctCounts(sorted);
  const order = vals.map((_, i) => i).sort((a, b) => counts[b] - counts[a] || vals[a] - vals[b]);
  const kept = order.slice(0, maxBin - 1).map((i) => vals[i]);
  return {
    kind: 'categorical',
    numBins: kept.length + 1,
    upper: new Float32Array(0),
    categories: Float64Array.from(kept),
  };
}

/** Bin of one float32 value. */
export function valueToBin(fb: FeatureBins, v: number, catIndex?: Map<number, number>): number {
  if (v !== v) return fb.numBins;
  if (fb.kind === 'categorical') {
    const b = catIndex ? catIndex.get(v) : undefined;
    return b === undefined ? fb.numBins - 1 : b;
  }
  const upper = fb.upper;
  let lo = 0;
  let hi = fb.numBins - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= upper[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function categoryIndex(fb: FeatureBins): Map<number, number> {
  const map = new Map<number, number>();
  fb.categories.forEach((c, i) => map.set(c, i));
  return map;
}

/** Applies bin bounds to a matrix: column-major Uint8 bins. */
export function applyBins(m: FeatureMatrix, features: FeatureBins[]): BinnedData {
  const n = m.numRows;
  const nf = m.numFeatures;
  const bins = new Uint8Array(n * nf);
  const col = new Float32Array(n);
  const histOffset = new Int32Array(nf);
  let total = 0;
  for (let f = 0; f < nf; f++) {
    const fb = features[f];
    histOffset[f] = total;
    total += fb.numBins + 1;
    readColumn(m, f, col);
    const out = bins.subarray(f * n, f * n + n);
    if (fb.kind === 'categorical') {
      const idx = categoryIndex(fb);
      for (let r = 0; r < n; r++) out[r] = valueToBin(fb, col[r], idx);
    } else {
      // Branch-free lower bound over the bounds padded to a power of two with +Infinity.
      const missing = fb.numBins;
      let width = 1;
      while (width < fb.numBins) width <<= 1;
      const upper = new Float32Array(width).fill(Infinity);
      upper.set(fb.upper);
      for (let r = 0; r < n; r++) {
        const v = col[r];
        if (v !== v) {
          out[r] = missing;
          continue;
        }
        let pos = 0;
        for (let half = width >> 1; half > 0; half >>= 1) pos = upper[pos + half - 1] < v ? pos + half : pos;
        out[r] = pos;
      }
    }
  }
  return { numRows: n, numFeatures: nf, bins, features, histOffset, totalHistBins: total };
}
