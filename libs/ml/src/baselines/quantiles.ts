import { normalQuantile } from '../inventory/normal';

/**
 * Normal quantiles around a point forecast: `point[k] + z(level) * sigma * sqrt(multiplier(k + 1))`,
 * where `multiplier(k)` is the k-step forecast variance in units of the one-step variance.
 * With `sigma` NaN or 0 every quantile equals the point forecast.
 */
export function normalQuantiles(
  point: Float64Array,
  sigma: number,
  multiplier: (step: number) => number,
  levels: readonly number[],
): Float64Array[] {
  const s = Number.isFinite(sigma) ? sigma : 0;
  return levels.map((level) => {
    if (!(level > 0 && level < 1)) throw new RangeError(`quantile level must be in (0, 1), got ${level}`);
    const z = normalQuantile(level);
    const out = new Float64Array(point.length);
    for (let k = 0; k < point.length; k++) out[k] = point[k] + z * s * Math.sqrt(multiplier(k + 1));
    return out;
  });
}

/** Root mean square of the finite values in `residuals` with `dof` degrees of freedom used up. */
export function residualSigma(residuals: ArrayLike<number>, dof = 0): number {
  let ss = 0;
  let n = 0;
  for (let i = 0; i < residuals.length; i++) {
    const r = residuals[i];
    if (Number.isFinite(r)) {
      ss += r * r;
      n++;
    }
  }
  const d = n - dof;
  return d > 0 ? Math.sqrt(ss / d) : NaN;
}
