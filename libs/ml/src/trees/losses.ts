/**
 * Boosting losses: per-row gradient and hessian of the loss with respect to the raw score, the optimal
 * constant initial score, and an evaluation metric (lower is better) for early stopping.
 *
 * - l2: 0.5 (y − raw)², identity link. Metric RMSE.
 * - poisson: exp(raw) − y·raw, log link; hessian exp(raw + maxDeltaStep) (XGBoost's safeguard: a larger
 *   hessian damps the first steps when exp(raw) is tiny). Metric mean Poisson deviance.
 * - tweedie: −y·e^{(1−p)raw}/(1−p) + e^{(2−p)raw}/(2−p), log link, p in (1, 2). Metric mean Tweedie deviance.
 * - quantile: pinball loss at alpha, identity link; gradient of the pinball loss, hessian 1 (a surrogate:
 *   the true second derivative is 0) and leaf values refined to the alpha-quantile of the residuals
 *   (LightGBM does the same). Metric mean pinball loss.
 */
import { pinballPoint } from '../metrics/accumulator';
import type { LossConfig, LossType } from './types';

export type Link = 'identity' | 'log';

export interface Loss {
  readonly type: LossType;
  readonly config: Readonly<Required<LossConfig>>;
  readonly link: Link;
  /** Leaf values are recomputed from residuals after the tree structure is grown (quantile). */
  readonly renewsLeaves: boolean;
  /** Hessian is 1 for every unweighted row (lets the trainer skip the hessian histogram). */
  readonly unitHessian: boolean;
  readonly metricName: string;
  initScore(y: Float64Array, w?: Float64Array): number;
  /** Fills grad and hess for every row (weights multiply both); returns Σ|grad|. */
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | undefined,
    grad: Float64Array,
    hess: Float64Array,
  ): number;
  /** Loss of one row (for tests and metrics). */
  pointLoss(y: number, raw: number): number;
  pointGradient(y: number, raw: number): number;
  pointHessian(y: number, raw: number): number;
  /** Mean metric over rows (weighted when w is given); lower is better. */
  metric(y: Float64Array, raw: Float64Array, w?: Float64Array): number;
  /** Raw score to the prediction scale. */
  transform(raw: number): number;
}

const EPS_MEAN = 1e-9;

function weightedMean(y: Float64Array, w?: Float64Array): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    s += wi * y[i];
    sw += wi;
  }
  return sw > 0 ? s / sw : 0;
}

/**
 * Weighted alpha-quantile. Unweighted: linear interpolation at alpha·(n−1) of the sorted values.
 * Weighted: the first value whose cumulative weight reaches alpha of the total.
 * values is sorted in place.
 */
export function weightedQuantile(values: Float64Array, alpha: number, weights?: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  if (!weights) {
    values.sort();
    const pos = alpha * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return values[lo] + (values[hi] - values[lo]) * (pos - lo);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  const target = alpha * total;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[order[i]];
    if (acc >= target) return values[order[i]];
  }
  return values[order[n - 1]];
}

class L2Loss implements Loss {
  readonly type = 'l2' as const;
  readonly config = { type: 'l2' as const };
  readonly link: Link = 'identity';
  readonly renewsLeaves = false;
  readonly unitHessian = true;
  readonly metricName = 'rmse';
  initScore(y: Float64Array, w?: Float64Array): number {
    return weightedMean(y, w);
  }
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | undefined,
    grad: Float64Array,
    hess: Float64Array,
  ): number {
    const n = y.length;
    let s = 0;
    if (w) {
      for (let i = 0; i < n; i++) {
        const g = (raw[i] - y[i]) * w[i];
        grad[i] = g;
        hess[i] = w[i];
        s += Math.abs(g);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const g = raw[i] - y[i];
        grad[i] = g;
        hess[i] = 1;
        s += Math.abs(g);
      }
    }
    return s;
  }
  pointLoss(y: number, raw: number): number {
    return 0.5 * (y - raw) * (y - raw);
  }
  pointGradient(y: number, raw: number): number {
    return raw - y;
  }
  pointHessian(): number {
    return 1;
  }
  metric(y: Float64Array, raw: Float64Array, w?: Float64Array): number {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i] : 1;
      const d = y[i] - raw[i];
      s += wi * d * d;
      sw += wi;
    }
    return Math.sqrt(s / Math.max(sw, 1e-300));
  }
  transform(raw: number): number {
    return raw;
  }
}

class PoissonLoss implements Loss {
  readonly type = 'poisson' as const;
  readonly config: Required<Extract<LossConfig, { type: 'poisson' }>>;
  readonly link: Link = 'log';
  readonly renewsLeaves = false;
  readonly unitHessian = false;
  readonly metricName = 'poisson_deviance';
  private readonly hessFactor: number;
  constructor(maxDeltaStep: number) {
    if (!(maxDeltaStep >= 0)) throw new Error(`poisson maxDeltaStep must be >= 0, got ${maxDeltaStep}`);
    this.config = { type: 'poisson', maxDeltaStep };
    this.hessFactor = Math.exp(maxDeltaStep);
  }
  initScore(y: Float64Array, w?: Float64Array): number {
    return Math.log(Math.max(weightedMean(y, w), EPS_MEAN));
  }
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | undefined,
    grad: Float64Array,
    hess: Float64Array,
  ): number {
    const k = this.hessFactor;
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const mu = Math.exp(raw[i]);
      const wi = w ? w[i] : 1;
      const g = (mu - y[i]) * wi;
      grad[i] = g;
      hess[i] = mu * k * wi;
      s += Math.abs(g);
    }
    return s;
  }
  pointLoss(y: number, raw: number): number {
    return Math.exp(raw) - y * raw;
  }
  pointGradient(y: number, raw: number): number {
    return Math.exp(raw) - y;
  }
  pointHessian(_y: number, raw: number): number {
    return Math.exp(raw) * this.hessFactor;
  }
  metric(y: Float64Array, raw: Float64Array, w?: Float64Array): number {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i] : 1;
      const mu = Math.exp(raw[i]);
      const yi = y[i];
      const d = 2 * ((yi > 0 ? yi * Math.log(yi / mu) : 0) - (yi - mu));
      s += wi * d;
      sw += wi;
    }
    return s / Math.max(sw, 1e-300);
  }
  transform(raw: number): number {
    return Math.exp(raw);
  }
}

class TweedieLoss implements Loss {
  readonly type = 'tweedie' as const;
  readonly config: Required<Extract<LossConfig, { type: 'tweedie' }>>;
  readonly link: Link = 'log';
  readonly renewsLeaves = false;
  readonly unitHessian = false;
  readonly metricName = 'tweedie_deviance';
  private readonly p: number;
  constructor(p: number) {
    if (!(p > 1 && p < 2)) throw new Error(`tweedie variancePower must be in (1, 2), got ${p}`);
    this.p = p;
    this.config = { type: 'tweedie', variancePower: p };
  }
  initScore(y: Float64Array, w?: Float64Array): number {
    return Math.log(Math.max(weightedMean(y, w), EPS_MEAN));
  }
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | undefined,
    grad: Float64Array,
    hess: Float64Array,
  ): number {
    const a = 1 - this.p;
    const b = 2 - this.p;
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const ea = Math.exp(a * raw[i]);
      const eb = Math.exp(b * raw[i]);
      const wi = w ? w[i] : 1;
      const g = (-y[i] * ea + eb) * wi;
      grad[i] = g;
      hess[i] = (-y[i] * a * ea + b * eb) * wi;
      s += Math.abs(g);
    }
    return s;
  }
  pointLoss(y: number, raw: number): number {
    const a = 1 - this.p;
    const b = 2 - this.p;
    return (-y * Math.exp(a * raw)) / a + Math.exp(b * raw) / b;
  }
  pointGradient(y: number, raw: number): number {
    return -y * Math.exp((1 - this.p) * raw) + Math.exp((2 - this.p) * raw);
  }
  pointHessian(y: number, raw: number): number {
    const a = 1 - this.p;
    const b = 2 - this.p;
    return -y * a * Math.exp(a * raw) + b * Math.exp(b * raw);
  }
  metric(y: Float64Array, raw: Float64Array, w?: Float64Array): number {
    const p = this.p;
    const a = 1 - p;
    const b = 2 - p;
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i] : 1;
      const yi = y[i];
      const d =
        2 * (Math.pow(Math.max(yi, 0), b) / (a * b) - (yi * Math.exp(a * raw[i])) / a + Math.exp(b * raw[i]) / b);
      s += wi * d;
      sw += wi;
    }
    return s / Math.max(sw, 1e-300);
  }
  transform(raw: number): number {
    return Math.exp(raw);
  }
}

class QuantileLoss implements Loss {
  readonly type = 'quantile' as const;
  readonly config: Required<Extract<LossConfig, { type: 'quantile' }>>;
  readonly link: Link = 'identity';
  readonly renewsLeaves = true;
  readonly unitHessian = true;
  readonly metricName = 'pinball';
  readonly alpha: number;
  constructor(alpha: number) {
    if (!(alpha > 0 && alpha < 1)) throw new Error(`quantile alpha must be in (0, 1), got ${alpha}`);
    this.alpha = alpha;
    this.config = { type: 'quantile', alpha };
  }
  initScore(y: Float64Array, w?: Float64Array): number {
    return weightedQuantile(Float64Array.from(y), this.alpha, w);
  }
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | undefined,
    grad: Float64Array,
    hess: Float64Array,
  ): number {
    const up = 1 - this.alpha;
    const down = -this.alpha;
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i] : 1;
      const g = (raw[i] >= y[i] ? up : down) * wi;
      grad[i] = g;
      hess[i] = wi;
      s += Math.abs(g);
    }
    return s;
  }
  pointLoss(y: number, raw: number): number {
    return pinballPoint(y, raw, this.alpha);
  }
  pointGradient(y: number, raw: number): number {
    return raw >= y ? 1 - this.alpha : -this.alpha;
  }
  pointHessian(): number {
    return 1;
  }
  metric(y: Float64Array, raw: Float64Array, w?: Float64Array): number {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i] : 1;
      s += wi * this.pointLoss(y[i], raw[i]);
      sw += wi;
    }
    return s / Math.max(sw, 1e-300);
  }
  transform(raw: number): number {
    return raw;
  }
}

export function createLoss(config: LossConfig): Loss {
  switch (config.type) {
    case 'l2':
      return new L2Loss();
    case 'poisson':
      return new PoissonLoss(config.maxDeltaStep ?? 0.7);
    case 'tweedie':
      return new TweedieLoss(config.variancePower ?? 1.5);
    case 'quantile':
      return new QuantileLoss(config.alpha);
    default: {
      const never: never = config;
      throw new Error(`unknown loss ${JSON.stringify(never)}`);
    }
  }
}
