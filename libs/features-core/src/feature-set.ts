/**
 * A feature set compiled from its spec: fixed feature names, a definitions hash, and one row
 * filler used by training (batch matrices) and serving (single rows) alike.
 *
 * Conventions, for a row anchored at period t (the last period whose observations are known)
 * predicting the target period t + h (h >= 1):
 * - lag L ("same phase as the target, L periods back, as recent as the anchor allows"): the value
 *   at t + h - k L with the smallest k >= 1 that lands at or before t, i.e. k = ceil(h / L). Lag 52
 *   weekly is the target's week a year earlier for h <= 52; lag 7 daily is the target's weekday in
 *   the latest week known; lag 1 is the value at t. Direct multi-horizon rows therefore never need
 *   a value after t and a lag is never NaN just because h is large.
 * - rolling stats and EWM: over the observed values of the periods ending at t; missing and
 *   censored periods are left out (not zero); std is the population std, NaN under two values.
 * - scale (when `scaleWindow` is set): the mean absolute observed value over the last
 *   `scaleWindow` periods ending at t (over all observed periods <= t when that window is empty;
 *   1 when it is 0 or nothing is observed). Lags, rolling stats and EWM are divided by it; the
 *   model predicts value / scale and `seriesScale` gives the same number to undo it.
 * - calendar, holidays, price, promotion and known-in-advance covariates: of the target period;
 *   observed covariates: at t.
 * NaN marks a missing feature.
 */
import { createHash } from 'node:crypto';

import { dayFields, HolidayIndex, periodSpan, type PeriodGrid } from './calendar';
import { canonicalJson, resolveSpec, type FeatureSetSpec, type ResolvedSpec } from './spec';
import { buildGroupAggregates, isObserved, type GroupAggregates, type SeriesData } from './series';

/** Bump when the code behind a feature changes meaning: it is part of every hash. */
export const FEATURE_CODE_REVISION = 1;

export type FeatureKind = 'numeric' | 'categorical';

export interface FeatureInfo {
  name: string;
  kind: FeatureKind;
  /** Block the feature belongs to (lag, rolling, ewm, scale, stock, calendar, holiday, price, promo, age, category, static, covariate, group). */
  block: string;
}

/** Rows to build: parallel arrays of series index, anchor period t and horizon h. */
export interface RowRequests {
  series: ArrayLike<number>;
  anchor: ArrayLike<number>;
  horizon: ArrayLike<number>;
}

export type MatrixLayout = 'row-major' | 'column-major';

export interface FeatureMatrixOut {
  data: Float32Array;
  numRows: number;
  numFeatures: number;
  layout: MatrixLayout;
  featureNames: string[];
  categoricalFeatures: number[];
}

/** Precomputed per-series arrays (prefix sums, EWM, promotion runs): built once, read at t. */
interface SeriesState {
  n: number;
  clean: Float64Array;
  pSum: Float64Array;
  pSq: Float64Array;
  pCnt: Float64Array;
  pAbs: Float64Array;
  pCens: Float64Array;
  ewm: Float64Array[];
  firstObserved: number;
  pPrice: Float64Array | null;
  pPriceCnt: Float64Array | null;
  promoRun: Int32Array | null;
}

interface RowCtx {
  s: SeriesData;
  st: SeriesState;
  t: number;
  h: number;
  /** Anchor index t - start. */
  i: number;
  target: number;
  scale: number;
  out: Float32Array;
  offset: number;
  stride: number;
  j: number;
}

interface Block {
  name: string;
  features: FeatureInfo[];
  fill(c: RowCtx): void;
}

const put = (c: RowCtx, v: number): void => {
  c.out[c.offset + c.j * c.stride] = v;
  c.j++;
};

const at = (p: Float64Array, k: number): number => p[k < 0 ? 0 : k > p.length - 1 ? p.length - 1 : k];

function buildState(s: SeriesData, spec: ResolvedSpec): SeriesState {
  const n = s.values.length;
  const m = spec.price && s.price ? s.price.length : -1;
  // Every array of the state: views of one allocation (a refresh builds hundreds of states).
  const block = new Float64Array(n + 5 * (n + 1) + spec.ewmAlphas.length * n + (m >= 0 ? 2 * (m + 1) : 0));
  let used = 0;
  const take = (len: number): Float64Array => block.subarray(used, (used += len));
  const clean = take(n);
  const pSum = take(n + 1);
  const pSq = take(n + 1);
  const pCnt = take(n + 1);
  const pAbs = take(n + 1);
  const pCens = take(n + 1);
  let firstObserved = -1;
  for (let k = 0; k < n; k++) {
    const ok = isObserved(s, k);
    const v = ok ? s.values[k] : NaN;
    clean[k] = v;
    if (ok && firstObserved < 0) firstObserved = k;
    pSum[k + 1] = pSum[k] + (ok ? v : 0);
    pSq[k + 1] = pSq[k] + (ok ? v * v : 0);
    pCnt[k + 1] = pCnt[k] + (ok ? 1 : 0);
    pAbs[k + 1] = pAbs[k] + (ok ? Math.abs(v) : 0);
    const cens = (s.censored !== undefined && !!s.censored[k]) || (s.inStock !== undefined && s.inStock[k] === 0);
    pCens[k + 1] = pCens[k] + (cens ? 1 : 0);
  }
  const ewm = spec.ewmAlphas.map((a) => {
    const e = take(n);
    let cur = NaN;
    for (let k = 0; k < n; k++) {
      const v = clean[k];
      if (!Number.isNaN(v)) cur = Number.isNaN(cur) ? v : a * v + (1 - a) * cur;
      e[k] = cur;
    }
    return e;
  });
  let pPrice: Float64Array | null = null;
  let pPriceCnt: Float64Array | null = null;
  if (m >= 0 && s.price) {
    pPrice = take(m + 1);
    pPriceCnt = take(m + 1);
    for (let k = 0; k < m; k++) {
      const p = s.price[k];
      const ok = Number.isFinite(p);
      pPrice[k + 1] = pPrice[k] + (ok ? p : 0);
      pPriceCnt[k + 1] = pPriceCnt[k] + (ok ? 1 : 0);
    }
  }
  let promoRun: Int32Array | null = null;
  if (spec.promo && s.promo) {
    promoRun = new Int32Array(s.promo.length);
    for (let k = 0; k < s.promo.length; k++) promoRun[k] = s.promo[k] ? (k > 0 ? promoRun[k - 1] : 0) + 1 : 0;
  }
  return { n, clean, pSum, pSq, pCnt, pAbs, pCens, ewm, firstObserved, pPrice, pPriceCnt, promoRun };
}

/** Index of the lag-L value for a row (t + h - ceil(h / L) L, relative to the series start). */
export function lagIndex(i: number, h: number, lag: number): number {
  return i + h - Math.ceil(h / lag) * lag;
}

function scaleOf(st: SeriesState, i: number, window: number | null): number {
  if (window === null) return 1;
  const e = Math.min(i + 1, st.n);
  if (e <= 0) return 1;
  let cnt = at(st.pCnt, e) - at(st.pCnt, e - window);
  let sum = at(st.pAbs, e) - at(st.pAbs, e - window);
  if (cnt === 0) {
    cnt = at(st.pCnt, e);
    sum = at(st.pAbs, e);
  }
  const m = cnt > 0 ? sum / cnt : 0;
  return m > 0 ? m : 1;
}

function numeric(block: string, names: string[]): FeatureInfo[] {
  return names.map((name) => ({ name, kind: 'numeric' as const, block }));
}

function compileBlocks(spec: ResolvedSpec): Block[] {
  const blocks: Block[] = [];
  const scaled = spec.scaleWindow !== null;
  const grid: PeriodGrid = spec.grid;

  blocks.push({ name: 'horizon', features: numeric('horizon', ['horizon']), fill: (c) => put(c, c.h) });

  blocks.push({
    name: 'lag',
    features: numeric(
      'lag',
      spec.lags.map((l) => `lag_${l}`),
    ),
    fill: (c) => {
      for (const l of spec.lags) {
        const k = lagIndex(c.i, c.h, l);
        put(c, k >= 0 && k < c.st.n ? c.st.clean[k] / c.scale : NaN);
      }
    },
  });

  const rollNames: string[] = [];
  for (const w of spec.windows) for (const stat of spec.rollingStats) rollNames.push(`roll_${stat}_${w}`);
  blocks.push({
    name: 'rolling',
    features: numeric('rolling', rollNames),
    fill: (c) => {
      const st = c.st;
      const e = Math.min(c.i + 1, st.n);
      for (const w of spec.windows) {
        const b = e - w;
        const cnt = e > 0 ? at(st.pCnt, e) - at(st.pCnt, b) : 0;
        const sum = e > 0 ? at(st.pSum, e) - at(st.pSum, b) : 0;
        const sq = e > 0 ? at(st.pSq, e) - at(st.pSq, b) : 0;
        let lo = NaN;
        let hi = NaN;
        if (spec.rollingStats.includes('min') || spec.rollingStats.includes('max')) {
          for (let k = Math.max(0, b); k < e; k++) {
            const v = st.clean[k];
            if (Number.isNaN(v)) continue;
            if (!(v >= lo)) lo = v;
            if (!(v <= hi)) hi = v;
          }
        }
        for (const stat of spec.rollingStats) {
          switch (stat) {
            case 'mean':
              put(c, cnt > 0 ? sum / cnt / c.scale : NaN);
              break;
            case 'std': {
              const mean = sum / cnt;
              put(c, cnt >= 2 ? Math.sqrt(Math.max(0, sq / cnt - mean * mean)) / c.scale : NaN);
              break;
            }
            case 'min':
              put(c, lo / c.scale);
              break;
            case 'max':
              put(c, hi / c.scale);
              break;
          }
        }
      }
    },
  });

  blocks.push({
    name: 'ewm',
    features: numeric(
      'ewm',
      spec.ewmAlphas.map((a) => `ewm_${String(a).replace('.', 'p')}`),
    ),
    fill: (c) => {
      const k = Math.min(c.i, c.st.n - 1);
      for (const e of c.st.ewm) put(c, k >= 0 ? e[k] / c.scale : NaN);
    },
  });

  if (scaled)
    blocks.push({
      name: 'scale',
      features: numeric('scale', ['scale', 'observed_share']),
      fill: (c) => {
        put(c, c.scale);
        const w = spec.scaleWindow ?? 1;
        const e = Math.min(c.i + 1, c.st.n);
        put(c, e > 0 ? (at(c.st.pCnt, e) - at(c.st.pCnt, e - w)) / w : 0);
      },
    });

  if (spec.stockWindow !== null) {
    const w = spec.stockWindow;
    blocks.push({
      name: 'stock',
      features: numeric('stock', [`instock_share_${w}`, 'censored_last']),
      fill: (c) => {
        const e = Math.min(c.i + 1, c.st.n);
        const span = Math.min(w, Math.max(e, 0));
        put(c, span > 0 ? 1 - (at(c.st.pCens, e) - at(c.st.pCens, e - w)) / span : NaN);
        put(c, c.i < c.st.n && c.i >= 0 ? at(c.st.pCens, c.i + 1) - at(c.st.pCens, c.i) : NaN);
      },
    });
  }

  if (spec.calendar) {
    const f = grid.frequency;
    const names =
      f === 'daily'
        ? ['cal_dow', 'cal_dom', 'cal_month', 'cal_woy', 'cal_doy']
        : f === 'weekly'
          ? ['cal_woy', 'cal_month', 'cal_dom', 'cal_doy']
          : ['cal_month', 'cal_quarter'];
    blocks.push({
      name: 'calendar',
      features: numeric('calendar', names),
      fill: (c) => {
        const d = dayFields(periodSpan(grid, c.target).label);
        if (f === 'daily') {
          put(c, d.dayOfWeek);
          put(c, d.dayOfMonth);
          put(c, d.month);
          put(c, d.isoWeek);
          put(c, d.dayOfYear);
        } else if (f === 'weekly') {
          put(c, d.isoWeek);
          put(c, d.month);
          put(c, d.dayOfMonth);
          put(c, d.dayOfYear);
        } else {
          put(c, d.month);
          put(c, Math.floor((d.month - 1) / 3) + 1);
        }
      },
    });
  }

  if (spec.holidays) {
    const hs = spec.holidays;
    const names: string[] = [];
    for (const region of [hs.defaultRegion, ...Object.keys(hs.regions).sort()])
      for (const h of hs.regions[region]) if (!names.includes(h.name)) names.push(h.name);
    const indices = new Map(Object.entries(hs.regions).map(([r, defs]) => [r, new HolidayIndex(defs)]));
    const cap = hs.maxDistanceDays;
    const featureNames: string[] = [];
    for (const n of names) featureNames.push(`hol_to_${n}`, `hol_since_${n}`, `hol_in_${n}`);
    blocks.push({
      name: 'holiday',
      features: numeric('holiday', featureNames),
      fill: (c) => {
        const idx = indices.get(c.s.region ?? hs.defaultRegion) ?? indices.get(hs.defaultRegion);
        const span = periodSpan(grid, c.target);
        for (const n of names) {
          if (!idx || !idx.has(n)) {
            put(c, cap);
            put(c, cap);
            put(c, 0);
            continue;
          }
          const to = idx.daysTo(n, span.first);
          const since = idx.daysSince(n, span.last);
          put(c, Number.isNaN(to) ? cap : Math.min(to, cap));
          put(c, Number.isNaN(since) ? cap : Math.min(since, cap));
          put(c, idx.countIn(n, span.first, span.last));
        }
      },
    });
  }

  if (spec.price) {
    const w = spec.price.window;
    blocks.push({
      name: 'price',
      features: numeric('price', ['price', `price_ratio_${w}`, 'discount_depth']),
      fill: (c) => {
        const s = c.s;
        const k = c.target - s.start;
        const price = s.price && k >= 0 && k < s.price.length ? s.price[k] : NaN;
        const regular = s.regularPrice && k >= 0 && k < s.regularPrice.length ? s.regularPrice[k] : NaN;
        put(c, price);
        let ratio = NaN;
        if (c.st.pPrice && c.st.pPriceCnt) {
          const e = Math.min(c.i + 1, c.st.pPrice.length - 1);
          if (e > 0) {
            const cnt = at(c.st.pPriceCnt, e) - at(c.st.pPriceCnt, e - w);
            if (cnt > 0) ratio = price / ((at(c.st.pPrice, e) - at(c.st.pPrice, e - w)) / cnt);
          }
        }
        put(c, ratio);
        put(c, regular > 0 ? 1 - price / regular : NaN);
      },
    });
  }

  if (spec.promo) {
    blocks.push({
      name: 'promo',
      features: numeric('promo', ['promo', 'promo_day']),
      fill: (c) => {
        const k = c.target - c.s.start;
        const run = c.st.promoRun;
        if (!run || k < 0 || k >= run.length) {
          put(c, c.s.promo ? 0 : NaN);
          put(c, c.s.promo ? 0 : NaN);
          return;
        }
        put(c, run[k] > 0 ? 1 : 0);
        put(c, run[k]);
      },
    });
  }

  if (spec.productAge) {
    blocks.push({
      name: 'age',
      features: numeric('age', ['age']),
      fill: (c) => {
        if (c.s.launchPeriod !== undefined) {
          put(c, c.target - c.s.launchPeriod);
          return;
        }
        const f = c.st.firstObserved;
        put(c, f >= 0 && f <= c.i ? c.target - (c.s.start + f) : NaN);
      },
    });
  }

  if (spec.categoricals.length > 0)
    blocks.push({
      name: 'category',
      features: spec.categoricals.map((k) => ({ name: `cat_${k}`, kind: 'categorical', block: 'category' })),
      fill: (c) => {
        for (const k of spec.categoricals) put(c, c.s.categories?.[k] ?? NaN);
      },
    });

  if (spec.statics.length > 0)
    blocks.push({
      name: 'static',
      features: numeric(
        'static',
        spec.statics.map((k) => `static_${k}`),
      ),
      fill: (c) => {
        for (const k of spec.statics) put(c, c.s.statics?.[k] ?? NaN);
      },
    });

  if (spec.covariates.length > 0)
    blocks.push({
      name: 'covariate',
      features: numeric(
        'covariate',
        spec.covariates.map((cv) => `cov_${cv.name}`),
      ),
      fill: (c) => {
        for (const cv of spec.covariates) {
          const a = c.s.covariates?.[cv.name];
          const k = (cv.knownInAdvance ? c.target : c.t) - c.s.start;
          put(c, a && k >= 0 && k < a.length ? a[k] : NaN);
        }
      },
    });

  return blocks;
}

/** Group features need the aggregates: compiled per frame. */
function groupBlock(spec: ResolvedSpec, groups: GroupAggregates | undefined): Block | null {
  if (spec.groups.length === 0) return null;
  const names: string[] = [];
  for (const g of spec.groups) {
    for (const l of g.lags) names.push(`grp_${g.key}_lag_${l}`);
    names.push(`grp_${g.key}_trend`, `grp_${g.key}_share`);
  }
  return {
    name: 'group',
    features: numeric('group', names),
    fill: (c) => {
      for (const g of spec.groups) {
        const code = c.s.categories?.[g.key];
        const gs = code === undefined ? undefined : groups?.get(g.key)?.get(code);
        if (!gs) {
          for (let k = 0; k < g.lags.length + 2; k++) put(c, NaN);
          continue;
        }
        // Absolute period t -> group index; reads stay at or before t.
        const gi = c.t - gs.start;
        const e = Math.min(gi + 1, gs.mean.length);
        const win = (w: number): number => {
          if (e <= 0) return NaN;
          const cnt = at(gs.prefixCount, e) - at(gs.prefixCount, e - w);
          return cnt > 0 ? (at(gs.prefixSum, e) - at(gs.prefixSum, e - w)) / cnt : NaN;
        };
        const level = win(g.window);
        for (const l of g.lags) {
          const k = lagIndex(gi, c.h, l);
          put(c, k >= 0 && k < gs.mean.length ? gs.mean[k] / level : NaN);
        }
        put(c, win(Math.max(1, Math.ceil(g.window / 4))) / level);
        put(c, c.scale / level);
      }
    },
  };
}

export interface FeatureSet {
  readonly spec: ResolvedSpec;
  readonly name: string;
  readonly version: string;
  /** sha256 of the canonical description (hex). */
  readonly hash: string;
  /** `name@version+hash12`: what a model and an online store record and compare. */
  readonly fingerprint: string;
  /** Canonical JSON of every feature's parameters (what is hashed). */
  readonly description: string;
  readonly features: readonly FeatureInfo[];
  readonly names: readonly string[];
  readonly categoricalIndices: readonly number[];
  readonly numFeatures: number;
  /** Binds the feature set to series (and their group aggregates) for row building. */
  frame(series: readonly SeriesData[], options?: { groups?: GroupAggregates }): FeatureFrame;
}

export interface FeatureFrame {
  readonly featureSet: FeatureSet;
  readonly series: readonly SeriesData[];
  /**
   * Writes the features of (series, anchor t, horizon h) into `out[offset + j * stride]` for
   * j = 0..numFeatures-1 (stride 1: a row-major row; stride numRows: a column-major column).
   */
  fillRow(series: number, t: number, h: number, out: Float32Array, offset?: number, stride?: number): void;
  row(series: number, t: number, h: number): Float32Array;
  /** The series scale at anchor t (1 without scaling): forecasts are feature-space predictions times it. */
  scale(series: number, t: number): number;
  /** A Float32Array matrix of many rows; pass `out` to reuse a buffer. */
  matrix(rows: RowRequests, options?: { layout?: MatrixLayout; out?: Float32Array }): FeatureMatrixOut;
  /** Drops the cached per-series arrays (they rebuild lazily). */
  release(): void;
}

export function defineFeatureSet(input: FeatureSetSpec): FeatureSet {
  const spec = resolveSpec(input);
  const baseBlocks = compileBlocks(spec);
  const probeGroup = groupBlock(spec, undefined);
  const features = [...baseBlocks, ...(probeGroup ? [probeGroup] : [])].flatMap((b) => b.features);
  const names = features.map((f) => f.name);
  if (new Set(names).size !== names.length) throw new Error('feature set: duplicate feature names');
  const { name: _n, version: _v, ...definitions } = spec;
  const description = canonicalJson({ revision: FEATURE_CODE_REVISION, definitions, features });
  const hash = createHash('sha256').update(description).digest('hex');
  const categoricalIndices = features.flatMap((f, i) => (f.kind === 'categorical' ? [i] : []));

  const fs: FeatureSet = {
    spec,
    name: spec.name,
    version: spec.version,
    hash,
    fingerprint: `${spec.name}@${spec.version}+${hash.slice(0, 12)}`,
    description,
    features,
    names,
    categoricalIndices,
    numFeatures: names.length,
    frame: (series, options = {}) => {
      const groups =
        spec.groups.length > 0
          ? (options.groups ??
            buildGroupAggregates(
              series,
              spec.groups.map((g) => g.key),
            ))
          : undefined;
      const gb = groupBlock(spec, groups);
      const blocks = gb ? [...baseBlocks, gb] : baseBlocks;
      let states: Array<SeriesState | undefined> = new Array(series.length);
      const stateOf = (k: number): SeriesState => {
        let st = states[k];
        if (!st) {
          st = buildState(series[k], spec);
          states[k] = st;
        }
        return st;
      };
      const ctx: RowCtx = {
        s: series[0],
        st: undefined as unknown as SeriesState,
        t: 0,
        h: 1,
        i: 0,
        target: 1,
        scale: 1,
        out: new Float32Array(0),
        offset: 0,
        stride: 1,
        j: 0,
      };
      const frame: FeatureFrame = {
        featureSet: fs,
        series,
        fillRow: (k, t, h, out, offset = 0, stride = 1) => {
          if (!(k >= 0 && k < series.length)) throw new RangeError(`series ${k} out of range`);
          if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`horizon must be an integer >= 1, got ${h}`);
          const s = series[k];
          const st = stateOf(k);
          ctx.s = s;
          ctx.st = st;
          ctx.t = t;
          ctx.h = h;
          ctx.i = t - s.start;
          ctx.target = t + h;
          ctx.scale = scaleOf(st, ctx.i, spec.scaleWindow);
          ctx.out = out;
          ctx.offset = offset;
          ctx.stride = stride;
          ctx.j = 0;
          for (const b of blocks) b.fill(ctx);
          if (ctx.j !== names.length) throw new Error(`internal: wrote ${ctx.j} of ${names.length} features`);
        },
        row: (k, t, h) => {
          const out = new Float32Array(names.length);
          frame.fillRow(k, t, h, out);
          return out;
        },
        scale: (k, t) => scaleOf(stateOf(k), t - series[k].start, spec.scaleWindow),
        matrix: (rows, options = {}) => {
          const n = rows.series.length;
          if (rows.anchor.length !== n || rows.horizon.length !== n)
            throw new Error('row requests: series, anchor and horizon must have the same length');
          const nf = names.length;
          const layout = options.layout ?? 'row-major';
          const data = options.out ?? new Float32Array(n * nf);
          if (data.length < n * nf) throw new Error(`output buffer holds ${data.length} < ${n * nf} values`);
          for (let r = 0; r < n; r++) {
            if (layout === 'row-major') frame.fillRow(rows.series[r], rows.anchor[r], rows.horizon[r], data, r * nf, 1);
            else frame.fillRow(rows.series[r], rows.anchor[r], rows.horizon[r], data, r, n);
          }
          return {
            data,
            numRows: n,
            numFeatures: nf,
            layout,
            featureNames: names.slice(),
            categoricalFeatures: categoricalIndices.slice(),
          };
        },
        release: () => {
          states = new Array(series.length);
        },
      };
      return frame;
    },
  };
  return fs;
}
