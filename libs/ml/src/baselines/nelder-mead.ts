/**
 * A small Nelder-Mead simplex minimiser (standard coefficients: reflection 1, expansion 2,
 * contraction 0.5, shrink 0.5), for the few smoothing parameters of the baselines.
 * Deterministic: no random restarts.
 */
export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate; default 0.5. */
  step?: number;
  /** Maximum objective evaluations; default 200 * dimension. */
  maxEvaluations?: number;
  /** Stop when the objective spread across the simplex is below this (relative + absolute); default 1e-10. */
  tolerance?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  value: number;
  evaluations: number;
}

export function nelderMead(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const d = start.length;
  const step = options.step ?? 0.5;
  const maxEval = options.maxEvaluations ?? 200 * d;
  const tol = options.tolerance ?? 1e-10;
  let evaluations = 0;
  const evalf = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  for (let i = 0; i <= d; i++) {
    const p = Float64Array.from(start);
    if (i > 0) p[i - 1] += step;
    pts.push(p);
    vals.push(evalf(p));
  }
  const order = Array.from({ length: d + 1 }, (_, i) => i);
  const centroid = new Float64Array(d);
  const trial = (from: Float64Array, to: Float64Array, t: number): Float64Array => {
    const out = new Float64Array(d);
    for (let j = 0; j < d; j++) out[j] = from[j] + t * (to[j] - from[j]);
    return out;
  };
  while (evaluations < maxEval) {
    order.sort((a, b) => vals[a] - vals[b]);
    const best = order[0];
    const worst = order[d];
    const second = order[d - 1];
    if (Math.abs(vals[worst] - vals[best]) <= tol * (Math.abs(vals[best]) + tol)) break;
    centroid.fill(0);
    for (let i = 0; i < d; i++) {
      const p = pts[order[i]];
      for (let j = 0; j < d; j++) centroid[j] += p[j] / d;
    }
    const xr = trial(centroid, pts[worst], -1);
    const fr = evalf(xr);
    if (fr < vals[best]) {
      const xe = trial(centroid, pts[worst], -2);
      const fe = evalf(xe);
      if (fe < fr) {
        pts[worst] = xe;
        vals[worst] = fe;
      } else {
        pts[worst] = xr;
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < vals[second]) {
      pts[worst] = xr;
      vals[worst] = fr;
      continue;
    }
    const outside = fr < vals[worst];
    const xc = outside ? trial(centroid, xr, 0.5) : trial(centroid, pts[worst], 0.5);
    const fc = evalf(xc);
    if (fc < (outside ? fr : vals[worst])) {
      pts[worst] = xc;
      vals[worst] = fc;
      continue;
    }
    for (let i = 1; i <= d; i++) {
      const k = order[i];
      pts[k] = trial(pts[best], pts[k], 0.5);
      vals[k] = evalf(pts[k]);
    }
  }
  let b = 0;
  for (let i = 1; i <= d; i++) if (vals[i] < vals[b]) b = i;
  return { x: pts[b], value: vals[b], evaluations };
}

/** Golden-section search for the minimum of a unimodal `f` on [lo, hi]. */
export function goldenSection(
  f: (x: number) => number,
  lo: number,
  hi: number,
  tolerance = 1e-6,
): { x: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const candidates = [
    { x: lo, value: f(lo) },
    { x: hi, value: f(hi) },
    fc <= fd ? { x: c, value: fc } : { x: d, value: fd },
  ];
  return candidates.reduce((m, v) => (v.value < m.value ? v : m));
}
