/**
 * Simple exponential smoothing and Holt-Winters (additive or multiplicative season, optional
 * additive trend, optionally damped), in the classical recursive form. Parameters not given are
 * fitted by minimising the in-sample one-step-ahead sum of squared errors (SSE): a golden-section
 * search for SES, a small Nelder-Mead over logistic-transformed parameters for Holt-Winters.
 *
 * Missing points (NaN) contribute no error and do not update the states: the level, trend and
 * season roll forward on their own forecast, so a gap behaves like a forecast of its periods.
 * Leading NaNs are dropped (a series that starts late); trailing NaNs move the forecast origin.
 */
import { goldenSection, nelderMead } from './nelder-mead';
import { normalQuantiles } from './quantiles';
import type { ForecastModel, Forecaster } from './types';
import { assertHorizon, constantForecast, countObserved, firstObserved } from './types';

const EPS = 1e-4;

function logistic(x: number, lo: number, hi: number): number {
  return lo + (hi - lo) / (1 + Math.exp(-x));
}

function logit(p: number, lo: number, hi: number): number {
  const u = Math.min(1 - 1e-9, Math.max(1e-9, (p - lo) / (hi - lo)));
  return Math.log(u / (1 - u));
}

// ---------------------------------------------------------------------------------------------
// Simple exponential smoothing

export interface SesOptions {
  /** Smoothing constant in [0, 1]; fitted by SSE when omitted. */
  alpha?: number;
}

function sesRun(y: Float64Array, from: number, alpha: number): { sse: number; level: number; errors: number } {
  let level = y[from];
  let sse = 0;
  let errors = 0;
  for (let t = from + 1; t < y.length; t++) {
    const v = y[t];
    if (v !== v) continue;
    const e = v - level;
    sse += e * e;
    errors++;
    level += alpha * e;
  }
  return { sse, level, errors };
}

export function fitSes(history: Float64Array, options: SesOptions = {}): Forecaster {
  const from = firstObserved(history);
  if (from >= history.length) {
    return { params: { alpha: NaN, level: 0, empty: true }, forecast: (h) => constantForecast(0, h) };
  }
  let alpha = options.alpha;
  if (alpha !== undefined && !(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  if (alpha === undefined) {
    alpha = countObserved(history) < 3 ? 1 : goldenSection((a) => sesRun(history, from, a).sse, EPS, 1, 1e-5).x;
  }
  const { sse, level, errors } = sesRun(history, from, alpha);
  const sigma = errors > 0 ? Math.sqrt(sse / errors) : NaN;
  const a = alpha;
  return {
    params: { alpha: a, level, sigma },
    forecast: (h) => constantForecast(level, h),
    quantiles: (h, levels) => normalQuantiles(constantForecast(level, h), sigma, (k) => 1 + (k - 1) * a * a, levels),
  };
}

/** Simple exponential smoothing; `alpha` fitted by in-sample one-step SSE unless given. */
export function ses(options: SesOptions = {}): ForecastModel {
  return {
    name: options.alpha === undefined ? 'ses' : `ses(alpha=${options.alpha})`,
    fit: (history) => fitSes(history, options),
  };
}

// ---------------------------------------------------------------------------------------------
// Holt-Winters

export type Seasonality = 'additive' | 'multiplicative' | 'none';

export interface HoltWintersOptions {
  /** Periods per season (52 for weekly data with a yearly cycle). Ignored when `seasonal` is `none`. */
  seasonLength: number;
  /**
   * Default `additive`. Multiplicative needs every value well above zero (at least 1% of the mean)
   * and falls back to additive otherwise, or when its fit explodes (see `multiplicativeSane`).
   */
  seasonal?: Seasonality;
  /** Additive trend component; default true. */
  trend?: boolean;
  /** Damped trend (phi in [0.8, 0.98] when fitted); default false. */
  damped?: boolean;
  alpha?: number;
  beta?: number;
  gamma?: number;
  phi?: number;
  /** Nelder-Mead budget; default 300. */
  maxEvaluations?: number;
}

const enum Kind {
  None = 0,
  Additive = 1,
  Multiplicative = 2,
}

interface HwState {
  level: number;
  trend: number;
  /** Season slot `t mod m` holds the latest estimate for periods congruent to t. */
  season: Float64Array;
}

interface HwSpec {
  kind: Kind;
  m: number;
  trend: boolean;
}

/**
 * Initial states "just before" y[0]. Seasonal: level and trend from the first season(s)
 * (trend = mean of (y[i + m] - y[i]) / m over observed pairs), season = first-season deviations
 * from that line, normalised to sum 0 (additive) or mean 1 (multiplicative); a missing slot
 * starts neutral. Non-seasonal: level from the first value, trend from the first two values.
 */
function initialState(y: Float64Array, spec: HwSpec): HwState {
  const n = y.length;
  const { kind, m } = spec;
  if (kind === Kind.None) {
    let b = 0;
    if (spec.trend) {
      let j = 1;
      while (j < n && Number.isNaN(y[j])) j++;
      if (j < n) b = (y[j] - y[0]) / j;
    }
    return { level: y[0] - b, trend: b, season: new Float64Array(1) };
  }
  let s1 = 0;
  let c1 = 0;
  for (let i = 0; i < m; i++) {
    if (!Number.isNaN(y[i])) {
      s1 += y[i];
      c1++;
    }
  }
  const mean1 = s1 / c1;
  let b = 0;
  if (spec.trend) {
    let sd = 0;
    let cd = 0;
    for (let i = 0; i + m < n; i++) {
      if (!Number.isNaN(y[i]) && !Number.isNaN(y[i + m])) {
        sd += (y[i + m] - y[i]) / m;
        cd++;
      }
    }
    b = cd > 0 ? sd / cd : 0;
  }
  const season = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const line = mean1 + b * (i - (m - 1) / 2);
    if (kind === Kind.Additive) season[i] = Number.isNaN(y[i]) ? 0 : y[i] - line;
    else season[i] = Number.isNaN(y[i]) ? 1 : y[i] / line;
    total += season[i];
  }
  if (kind === Kind.Additive) for (let i = 0; i < m; i++) season[i] -= total / m;
  else for (let i = 0; i < m; i++) season[i] *= m / total;
  return { level: mean1 - (b * (m + 1)) / 2, trend: b, season };
}

interface HwParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/** Runs the recursion from `init`; writes the final states into `out` and returns SSE and error count. */
function hwRun(
  y: Float64Array,
  spec: HwSpec,
  p: HwParams,
  init: HwState,
  out: HwState,
): { sse: number; errors: number } {
  const kind = spec.kind;
  const m = spec.m;
  const alpha = p.alpha;
  const beta = p.beta;
  const gamma = p.gamma;
  const phi = spec.trend ? p.phi : 0;
  const season = out.season;
  season.set(init.season);
  const seasonal = kind !== Kind.None;
  const multiplicative = kind === Kind.Multiplicative;
  let l = init.level;
  let b = spec.trend ? init.trend : 0;
  let sse = 0;
  let errors = 0;
  let slot = 0;
  const n = y.length;
  for (let t = 0; t < n; t++) {
    const s = seasonal ? season[slot] : 0;
    const base = l + phi * b;
    const v = y[t];
    if (v !== v) {
      l = base;
      b = phi * b;
    } else if (multiplicative) {
      const e = v - base * s;
      sse += e * e;
      errors++;
      const nl = (alpha * v) / s + (1 - alpha) * base;
      b = beta * (nl - l) + (1 - beta) * phi * b;
      season[slot] = (gamma * v) / nl + (1 - gamma) * s;
      l = nl;
    } else {
      const e = v - base - s;
      sse += e * e;
      errors++;
      const nl = alpha * (v - s) + (1 - alpha) * base;
      b = beta * (nl - l) + (1 - beta) * phi * b;
      if (seasonal) season[slot] = gamma * (v - nl) + (1 - gamma) * s;
      l = nl;
    }
    if (seasonal && ++slot === m) slot = 0;
  }
  out.level = l;
  out.trend = b;
  return { sse, errors };
}

/**
 * A multiplicative fit "explodes" when its states leave a plausible range: a non-finite SSE, a
 * non-positive season factor, or a (deseasonalised) level outside (0, 2 * max observed value].
 */
function multiplicativeSane(y: Float64Array, sse: number, final: HwState): boolean {
  let max = -Infinity;
  for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  if (!Number.isFinite(sse) || !(final.level > 0 && final.level <= 2 * max) || !Number.isFinite(final.trend))
    return false;
  for (let i = 0; i < final.season.length; i++)
    if (!(final.season[i] > 0 && Number.isFinite(final.season[i]))) return false;
  return true;
}

export function fitHoltWinters(history: Float64Array, options: HoltWintersOptions): Forecaster {
  const requested = options.seasonal ?? 'additive';
  const m = requested === 'none' ? 1 : options.seasonLength;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`seasonLength must be a positive integer, got ${m}`);
  const from = firstObserved(history);
  const y = history.subarray(from);
  const nObs = countObserved(y);
  if (nObs === 0) {
    return { params: { empty: true }, forecast: (h) => constantForecast(0, h) };
  }
  const notes: Record<string, string | boolean> = {};
  let kind: Kind =
    requested === 'multiplicative' ? Kind.Multiplicative : requested === 'additive' ? Kind.Additive : Kind.None;
  if (kind === Kind.Multiplicative) {
    // Season factors y / level are unstable near zero (intermittent series blow up): require every
    // observed value to be at least 1% of the mean.
    let min = Infinity;
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      if (Number.isNaN(y[i])) continue;
      min = Math.min(min, y[i]);
      sum += y[i];
    }
    if (!(min > 0 && min >= 0.01 * (sum / nObs))) {
      kind = Kind.Additive;
      notes.fallback = 'additive: multiplicative season needs values well above zero';
    }
  }
  if (kind !== Kind.None) {
    const firstSeason = countObserved(y.subarray(0, m));
    if (y.length < m + 1 || m < 2 || firstSeason < Math.ceil(m / 2)) {
      kind = Kind.None;
      notes.fallback = 'no season: history shorter than one season plus a period';
    }
  }
  let trend = options.trend ?? true;
  if (nObs < 3) {
    trend = false;
    notes.fallback = 'level only: fewer than three observations';
  }
  const damped = trend && (options.damped ?? false);
  const spec: HwSpec = { kind, m: kind === Kind.None ? 1 : m, trend };
  const init = initialState(y, spec);
  const work: HwState = { level: 0, trend: 0, season: new Float64Array(spec.m) };

  // Free parameters and their ranges; fixed ones come from the options.
  type Name = keyof HwParams;
  const ranges: Record<Name, [number, number]> = {
    alpha: [EPS, 1 - EPS],
    beta: [EPS, 1 - EPS],
    gamma: [EPS, 1 - EPS],
    phi: [0.8, 0.98],
  };
  const starts: Record<Name, number> = { alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 0.95 };
  const fixed: HwParams = {
    alpha: options.alpha ?? NaN,
    beta: trend ? (options.beta ?? NaN) : 0,
    gamma: kind !== Kind.None ? (options.gamma ?? NaN) : 0,
    phi: trend ? (damped ? (options.phi ?? NaN) : 1) : 0,
  };
  const free = (Object.keys(fixed) as Name[]).filter((k) => Number.isNaN(fixed[k]));
  const toParams = (x: ArrayLike<number>): HwParams => {
    const p = { ...fixed };
    free.forEach((k, i) => (p[k] = logistic(x[i], ranges[k][0], ranges[k][1])));
    return p;
  };
  let params = fixed;
  if (free.length > 0) {
    const objective = (x: Float64Array): number => hwRun(y, spec, toParams(x), init, work).sse;
    const best = nelderMead(
      objective,
      free.map((k) => logit(starts[k], ranges[k][0], ranges[k][1])),
      { step: 1, maxEvaluations: options.maxEvaluations ?? 300, tolerance: 1e-9 },
    );
    params = toParams(best.x);
  }
  const final: HwState = { level: 0, trend: 0, season: new Float64Array(spec.m) };
  const { sse, errors } = hwRun(y, spec, params, init, final);
  if (spec.kind === Kind.Multiplicative && !multiplicativeSane(y, sse, final)) {
    const additive = fitHoltWinters(history, { ...options, seasonal: 'additive' });
    return { ...additive, params: { ...additive.params, fallback: 'additive: multiplicative fit exploded' } };
  }
  const sigma = errors > 0 ? Math.sqrt(sse / errors) : NaN;
  const n = y.length;
  const phi = trend ? params.phi : 0;

  const forecast = (h: number): Float64Array => {
    assertHorizon(h);
    const out = new Float64Array(h);
    let damp = 0; // phi + phi^2 + ... + phi^k (k without damping, 0 without trend)
    let pk = 1;
    for (let k = 1; k <= h; k++) {
      pk *= phi;
      damp += pk;
      const base = final.level + damp * final.trend;
      const s = spec.kind === Kind.None ? 0 : final.season[(n + k - 1) % spec.m];
      out[k - 1] = spec.kind === Kind.Multiplicative ? base * s : base + s;
    }
    return out;
  };
  // Forecast variance multiplier of the additive error-correction form:
  // 1 + sum_{j<k} c_j^2, c_j = alpha + alpha*beta*phi_j + gamma*(1 - alpha)*[j mod m = 0].
  const multiplier = (k: number): number => {
    let v = 1;
    let phiJ = 0;
    let pj = 1;
    for (let j = 1; j < k; j++) {
      pj *= phi;
      phiJ += pj;
      const seasonal = spec.kind !== Kind.None && j % spec.m === 0 ? params.gamma * (1 - params.alpha) : 0;
      const c = params.alpha + params.alpha * params.beta * phiJ + seasonal;
      v += c * c;
    }
    return v;
  };
  const kindName = spec.kind === Kind.None ? 'none' : spec.kind === Kind.Additive ? 'additive' : 'multiplicative';
  return {
    params: { ...params, seasonal: kindName, trend, damped, sigma, level: final.level, slope: final.trend, ...notes },
    forecast,
    quantiles: (h, levels) => normalQuantiles(forecast(h), sigma, multiplier, levels),
  };
}

/** Holt-Winters model; the name spells out its settings, e.g. `holt-winters(additive,52,damped)`. */
export function holtWinters(options: HoltWintersOptions): ForecastModel {
  const seasonal = options.seasonal ?? 'additive';
  const parts: string[] = [seasonal];
  if (seasonal !== 'none') parts.push(String(options.seasonLength));
  if (options.trend === false) parts.push('no-trend');
  else if (options.damped) parts.push('damped');
  return { name: `holt-winters(${parts.join(',')})`, fit: (history) => fitHoltWinters(history, options) };
}
