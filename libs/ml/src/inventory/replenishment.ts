/**
 * Replenishment maths for a periodic-review (R, s, S) policy from a per-period demand forecast.
 *
 * Why not add up quantiles: the 95% quantile of demand over several periods is not the sum of
 * the per-period 95% quantiles (that treats every period as hitting its 95% case at once and
 * overstates the spread: with independent periods the standard deviation grows like the square
 * root of the number of periods, not linearly). So:
 *
 * 1. Each period's quantile forecast is read as a normal distribution: mean and standard deviation
 *    are the least-squares fit of `q_l = mu + sigma * z(level_l)` over the given levels (crossed
 *    quantiles are sorted first). With symmetric levels this is the average of the quantiles and
 *    the spread of each pair over its z-distance. A median alone gives the mean, with no variance.
 * 2. Means and variances are summed over the protection period P = lead time L + review period R
 *    (independent periods; a fractional last period counts in proportion).
 * 3. The order-up-to level S is the cycle-service-level quantile of demand over P:
 *    - normal: S = mu_P + z(CSL) * sigma_P, z from the inverse normal CDF (AS 241);
 *    - low counts (mean over P below `lowCountMean`, default 20, under `auto`): Poisson when the
 *      variance is at most the mean (or unknown), otherwise a negative binomial with that mean and
 *      variance; S is the smallest integer with P(D_P <= S) >= CSL.
 * 4. Safety stock SS = S - mu_P; reorder point s = mu_L + SS = S - mu_R (demand expected before
 *    an order placed now arrives, plus the same safety stock).
 * 5. Inventory position IP = on hand + on order - backorders. When IP > s nothing is ordered;
 *    otherwise the order raises IP to S: S - IP rounded up to whole case packs, and at least the
 *    minimum order (itself rounded up to case packs). A non-positive need orders nothing.
 */
import { negativeBinomialQuantile, poissonQuantile } from './distributions';
import { normalQuantile } from './normal';

export interface PeriodQuantiles {
  /** Quantile levels in (0, 1). */
  levels: readonly number[];
  /** values[l][t]: the `levels[l]` quantile of demand in period t (t = 0 is the next period). */
  values: readonly ArrayLike<number>[];
}

export interface PeriodMoments {
  mean: Float64Array;
  /** NaN where the quantiles say nothing about spread (a median alone). */
  variance: Float64Array;
}

/** Per-period mean and variance from quantile forecasts (normal fit, see the file comment). */
export function momentsFromQuantiles(q: PeriodQuantiles): PeriodMoments {
  const L = q.levels.length;
  if (L === 0 || q.values.length !== L) throw new RangeError('one value array per quantile level expected');
  const T = q.values[0].length;
  const order = q.levels.map((_, i) => i).sort((a, b) => q.levels[a] - q.levels[b]);
  const z = order.map((i) => {
    const lv = q.levels[i];
    if (!(lv > 0 && lv < 1)) throw new RangeError(`quantile level must be in (0, 1), got ${lv}`);
    return normalQuantile(lv);
  });
  const zMean = z.reduce((a, b) => a + b, 0) / L;
  let szz = 0;
  for (const zi of z) szz += (zi - zMean) ** 2;
  const mean = new Float64Array(T);
  const variance = new Float64Array(T);
  const v = new Float64Array(L);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < L; k++) v[k] = q.values[order[k]][t];
    v.sort();
    const vMean = v.reduce((a, b) => a + b, 0) / L;
    let szv = 0;
    for (let k = 0; k < L; k++) szv += (z[k] - zMean) * (v[k] - vMean);
    const sigma = szz > 0 ? Math.max(0, szv / szz) : NaN;
    mean[t] = vMean - (Number.isNaN(sigma) ? 0 : sigma * zMean);
    variance[t] = sigma * sigma;
  }
  return { mean, variance };
}

/** Sum of `x` over the first `periods` periods (a fractional last period counts in proportion). */
function sumOver(x: Float64Array, periods: number): number {
  if (periods > x.length + 1e-9) throw new RangeError(`forecast covers ${x.length} periods, ${periods} needed`);
  let s = 0;
  const whole = Math.floor(periods + 1e-9);
  for (let t = 0; t < whole; t++) s += x[t];
  const frac = periods - whole;
  if (frac > 1e-9) s += frac * x[whole];
  return s;
}

export type DemandDistribution = 'normal' | 'poisson' | 'negative-binomial';

export interface ReplenishmentInput {
  /** Per-period demand forecast: quantiles, or means and variances. */
  forecast: PeriodQuantiles | PeriodMoments;
  /** Periods from placing an order to receiving it. */
  leadTime: number;
  /** Periods between order opportunities (0 for continuous review). */
  reviewPeriod: number;
  onHand: number;
  onOrder?: number;
  backorders?: number;
  /** Target cycle service level: probability of no stock-out in a replenishment cycle, in (0, 1). */
  serviceLevel: number;
  /** Orders are whole multiples of this; default 1. */
  casePack?: number;
  /** Smallest order accepted by the supplier, in units; default 0. */
  minOrder?: number;
  /** Default `auto`: normal above `lowCountMean`, Poisson or negative binomial below. */
  distribution?: DemandDistribution | 'auto';
  /** Default 20. */
  lowCountMean?: number;
}

export interface ReplenishmentPlan {
  distribution: DemandDistribution;
  protectionPeriods: number;
  meanLeadTimeDemand: number;
  meanReviewDemand: number;
  meanProtectionDemand: number;
  /** NaN when the forecast had no spread and a discrete distribution was used. */
  sdProtectionDemand: number;
  /** The normal z of the service level (also reported for discrete distributions). */
  z: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpTo: number;
  inventoryPosition: number;
  /** orderUpTo - inventoryPosition before rounding (may be negative). */
  need: number;
  /** Units to order now: a multiple of the case pack, 0 when not ordering. */
  suggestedOrder: number;
  casePacks: number;
}

function isQuantiles(f: PeriodQuantiles | PeriodMoments): f is PeriodQuantiles {
  return (f as PeriodQuantiles).levels !== undefined;
}

export function planReplenishment(input: ReplenishmentInput): ReplenishmentPlan {
  const { leadTime, reviewPeriod, serviceLevel } = input;
  if (!(leadTime >= 0) || !(reviewPeriod >= 0) || leadTime + reviewPeriod <= 0) {
    throw new RangeError('leadTime and reviewPeriod must be >= 0 with a positive sum');
  }
  if (!(serviceLevel > 0 && serviceLevel < 1))
    throw new RangeError(`serviceLevel must be in (0, 1), got ${serviceLevel}`);
  const casePack = input.casePack ?? 1;
  const minOrder = input.minOrder ?? 0;
  if (!(casePack > 0)) throw new RangeError(`casePack must be positive, got ${casePack}`);
  if (!(minOrder >= 0)) throw new RangeError(`minOrder must be >= 0, got ${minOrder}`);

  const moments = isQuantiles(input.forecast) ? momentsFromQuantiles(input.forecast) : input.forecast;
  const P = leadTime + reviewPeriod;
  const meanL = sumOver(moments.mean, leadTime);
  const meanP = sumOver(moments.mean, P);
  const varP = sumOver(moments.variance, P);
  const z = normalQuantile(serviceLevel);

  let distribution: DemandDistribution;
  const choice = input.distribution ?? 'auto';
  if (choice === 'auto') {
    if (meanP >= (input.lowCountMean ?? 20) && Number.isFinite(varP)) distribution = 'normal';
    else distribution = Number.isFinite(varP) && varP > meanP ? 'negative-binomial' : 'poisson';
  } else {
    distribution = choice;
  }
  let orderUpTo: number;
  if (distribution === 'normal') {
    if (!Number.isFinite(varP))
      throw new RangeError('normal demand needs a variance: give more than one quantile level');
    orderUpTo = meanP + z * Math.sqrt(varP);
  } else if (distribution === 'poisson') {
    orderUpTo = poissonQuantile(serviceLevel, Math.max(0, meanP));
  } else {
    orderUpTo = negativeBinomialQuantile(serviceLevel, Math.max(0, meanP), varP);
  }
  const safetyStock = orderUpTo - meanP;
  const reorderPoint = meanL + safetyStock;
  const inventoryPosition = input.onHand + (input.onOrder ?? 0) - (input.backorders ?? 0);
  const need = orderUpTo - inventoryPosition;
  let casePacks = 0;
  if (inventoryPosition <= reorderPoint && need > 0) {
    casePacks = Math.max(Math.ceil(need / casePack - 1e-9), Math.ceil(minOrder / casePack - 1e-9));
  }
  return {
    distribution,
    protectionPeriods: P,
    meanLeadTimeDemand: meanL,
    meanReviewDemand: meanP - meanL,
    meanProtectionDemand: meanP,
    sdProtectionDemand: Math.sqrt(varP),
    z,
    safetyStock,
    reorderPoint,
    orderUpTo,
    inventoryPosition,
    need,
    suggestedOrder: casePacks * casePack,
    casePacks,
  };
}
