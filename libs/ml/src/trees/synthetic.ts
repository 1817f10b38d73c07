/**
 * Small seeded synthetic regression sets for tests, examples and parity checks.
 */
import { createRng } from '../core/random';
import type { DatasetInput } from './types';

export interface SyntheticOptions {
  numRows: number;
  seed: number;
  /** Share of NaN in the numeric features. Default 0. */
  missingRate?: number;
  /** Target family: 'normal' (default), 'count' (Poisson), 'tweedie' (zero-inflated positive). */
  target?: 'normal' | 'count' | 'tweedie';
  /** Add a categorical feature (codes 0..7) as the last feature. Default false. */
  categorical?: boolean;
}

/**
 * Four numeric features x0..x3 (uniform in [-2, 2]) with a nonlinear signal
 * f = 2 sin(1.5 x0) + x1² − x2·[x3 > 0] (+ a category effect), as row-major float32.
 */
export function syntheticRegression(o: SyntheticOptions): DatasetInput {
  const rng = createRng(o.seed);
  const numNumeric = 4;
  const nf = numNumeric + (o.categorical ? 1 : 0);
  const n = o.numRows;
  const data = new Float32Array(n * nf);
  const target = new Float64Array(n);
  const catEffect = [0, 1.5, -1, 0.5, 2, -0.5, 1, -2];
  for (let r = 0; r < n; r++) {
    const x = [0, 0, 0, 0].map(() => Math.fround(-2 + 4 * rng.next()));
    let f = 2 * Math.sin(1.5 * x[0]) + x[1] * x[1] - (x[3] > 0 ? x[2] : 0);
    for (let j = 0; j < numNumeric; j++) {
      data[r * nf + j] = o.missingRate && rng.next() < o.missingRate ? NaN : x[j];
    }
    if (o.categorical) {
      const c = rng.int(8);
      data[r * nf + numNumeric] = c;
      f += catEffect[c];
    }
    const family = o.target ?? 'normal';
    if (family === 'normal') {
      target[r] = f + 0.3 * rng.normal();
    } else {
      const mu = Math.exp(0.4 * f);
      if (family === 'count') {
        let k = 0;
        let p = 1;
        const l = Math.exp(-mu);
        do {
          k++;
          p *= rng.next();
        } while (p > l);
        target[r] = k - 1;
      } else {
        target[r] = rng.next() < 0.3 ? 0 : mu * Math.exp(0.3 * rng.normal());
      }
    }
  }
  const featureNames = Array.from({ length: nf }, (_, j) => (j < numNumeric ? `x${j}` : 'store_type'));
  return {
    data,
    numRows: n,
    numFeatures: nf,
    target,
    featureNames,
    categoricalFeatures: o.categorical ? [numNumeric] : [],
  };
}
