/**
 * Count and continuous samplers on top of the seeded uniform source of `@shelfcast/ml`.
 */
import { createRng, type Rng } from '@shelfcast/ml';

/** A 32-bit seed mixed from a base seed and a few integers (murmur3 finaliser): independent streams per entity. */
export function mixSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x5bd1e995) >>> 0;
  for (const p of [...parts, parts.length]) {
    let k = Math.imul(p >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h = (h ^ Math.imul(k, 0x1b873593)) >>> 0;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An independent stream for one entity (`salt` names the purpose, e.g. 1 = parameters, 2 = daily draws). */
export function streamRng(seed: number, salt: number, ...ids: number[]): Rng {
  return createRng(mixSeed(seed, salt, ...ids));
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Integer in [lo, hi], both inclusive. */
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Index drawn with the given (not necessarily normalised) weights. */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Exponential waiting time with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

const LOG_FACTORIAL_TABLE = (() => {
  const t = new Float64Array(256);
  for (let k = 1; k < 256; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();

/** log(k!) for a non-negative integer k (table below 256, Stirling series above). */
export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL_TABLE[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/**
 * Poisson(lambda): multiplication method below 10, Hörmann's transformed rejection (PTRS, as in
 * NumPy) above, so the cost does not grow with lambda.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
      return k;
    }
  }
}

/** Gamma(shape, scale) by Marsaglia and Tsang (with the shape < 1 boost). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) {
    const u = rng.next();
    return gamma(rng, shape + 1, scale) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/**
 * Negative binomial with the given mean and size (dispersion) `r`: variance mean + mean²/r,
 * drawn as a gamma-Poisson mixture. `r = Infinity` is Poisson.
 */
export function negativeBinomial(rng: Rng, mean: number, r: number): number {
  if (!(mean > 0)) return 0;
  if (!Number.isFinite(r)) return poisson(rng, mean);
  return poisson(rng, gamma(rng, r, mean / r));
}
