/**
 * The per-series input of a feature set and the group aggregates shared across series.
 */

/**
 * One series on a regular period grid. Arrays are indexed by `period - start`.
 *
 * Observations (`values`, `censored`, `inStock`, observed covariates) are only ever read at or
 * before the anchor period. Plans (`price`, `regularPrice`, `promo`, covariates marked
 * `knownInAdvance`) may run past the observations and are read at the target period: the caller
 * passes only plans that were known at the anchor.
 */
export interface SeriesData {
  id: string;
  /** Absolute period of index 0. */
  start: number;
  /** Units or sales per period; NaN where unknown. */
  values: ArrayLike<number>;
  /** Truthy where the value is censored (stock-out): the true demand is unknown, never zero. */
  censored?: ArrayLike<number>;
  /** 0 where the item was out of stock for the period (treated as censored), 1 otherwise. */
  inStock?: ArrayLike<number>;
  /** Shelf price per period (plan). */
  price?: ArrayLike<number>;
  /** Regular (undiscounted) price per period (plan). */
  regularPrice?: ArrayLike<number>;
  /** 1 where a promotion runs (plan). */
  promo?: ArrayLike<number>;
  /** Absolute period of the product launch (cold start); else the first observation stands in. */
  launchPeriod?: number;
  /** Region of the holiday calendar. */
  region?: string;
  /** Categorical ids as numeric codes (store, dept, category, store type...). */
  categories?: Readonly<Record<string, number>>;
  /** Static numbers (store size...). */
  statics?: Readonly<Record<string, number>>;
  /** Covariates per period. */
  covariates?: Readonly<Record<string, ArrayLike<number>>>;
}

/** True where the observation at index i is usable (not NaN, not censored, in stock). */
export function isObserved(s: SeriesData, i: number): boolean {
  if (i < 0 || i >= s.values.length) return false;
  const v = s.values[i];
  if (Number.isNaN(v)) return false;
  if (s.censored && s.censored[i]) return false;
  if (s.inStock && s.inStock[i] === 0) return false;
  return true;
}

/** Per group code, the mean over member series of the observed values at each absolute period. */
export interface GroupSeries {
  /** Absolute period of index 0. */
  start: number;
  mean: Float64Array;
  /** Prefix sum and count of defined means (length + 1), for window means. */
  prefixSum: Float64Array;
  prefixCount: Float64Array;
}

export type GroupAggregates = ReadonlyMap<string, ReadonlyMap<number, GroupSeries>>;

/**
 * Group means per key and code over `series` (censored and missing values left out). Point in
 * time: the mean at period p only holds values at p, so a row anchored at t reads means <= t.
 * Pass series cut at the anchor when serving (or the same histories the model trains on).
 */
export function buildGroupAggregates(series: readonly SeriesData[], keys: readonly string[]): GroupAggregates {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    lo = Math.min(lo, s.start);
    hi = Math.max(hi, s.start + s.values.length);
  }
  const out = new Map<string, Map<number, GroupSeries>>();
  if (!(hi > lo)) {
    for (const k of keys) out.set(k, new Map());
    return out;
  }
  const len = hi - lo;
  for (const key of keys) {
    const sums = new Map<number, { sum: Float64Array; count: Float64Array }>();
    for (const s of series) {
      const code = s.categories?.[key];
      if (code === undefined || Number.isNaN(code)) continue;
      let acc = sums.get(code);
      if (!acc) {
        acc = { sum: new Float64Array(len), count: new Float64Array(len) };
        sums.set(code, acc);
      }
      for (let i = 0; i < s.values.length; i++) {
        if (!isObserved(s, i)) continue;
        acc.sum[s.start + i - lo] += s.values[i];
        acc.count[s.start + i - lo]++;
      }
    }
    const groups = new Map<number, GroupSeries>();
    for (const [code, acc] of sums) {
      const mean = new Float64Array(len);
      const prefixSum = new Float64Array(len + 1);
      const prefixCount = new Float64Array(len + 1);
      for (let p = 0; p < len; p++) {
        const m = acc.count[p] > 0 ? acc.sum[p] / acc.count[p] : NaN;
        mean[p] = m;
        const ok = !Number.isNaN(m);
        prefixSum[p + 1] = prefixSum[p] + (ok ? m : 0);
        prefixCount[p + 1] = prefixCount[p] + (ok ? 1 : 0);
      }
      groups.set(code, { start: lo, mean, prefixSum, prefixCount });
    }
    out.set(key, groups);
  }
  return out;
}
