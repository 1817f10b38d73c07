/**
 * Discrete demand distributions for slow movers: smallest k with P(D <= k) >= p, summing the
 * probability mass in log space so that large means do not underflow the first terms.
 */

function discreteQuantile(
  p: number,
  logPmf0: number,
  logRatio: (k: number) => number,
  mean: number,
  sd: number,
): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`probability must be in [0, 1), got ${p}`);
  let logPmf = logPmf0;
  let cdf = Math.exp(logPmf);
  let k = 0;
  const limit = Math.ceil(mean + 40 * sd + 100);
  while (cdf < p && k < limit) {
    k++;
    logPmf += logRatio(k);
    cdf += Math.exp(logPmf);
  }
  return k;
}

/** Poisson(mean) quantile. */
export function poissonQuantile(p: number, mean: number): number {
  if (!(mean >= 0)) throw new RangeError(`Poisson mean must be >= 0, got ${mean}`);
  if (mean === 0) return 0;
  const logMean = Math.log(mean);
  return discreteQuantile(p, -mean, (k) => logMean - Math.log(k), mean, Math.sqrt(mean));
}

export function poissonCdf(k: number, mean: number): number {
  let pmf = Math.exp(-mean);
  let cdf = pmf;
  for (let i = 1; i <= k; i++) {
    pmf *= mean / i;
    cdf += pmf;
  }
  return Math.min(1, cdf);
}

/**
 * Negative binomial with the given mean and variance (variance > mean): the number of failures
 * before the r-th success with success probability q, r = mean^2 / (variance - mean),
 * q = mean / variance. Falls back to Poisson when variance <= mean.
 */
export function negativeBinomialQuantile(p: number, mean: number, variance: number): number {
  if (!(mean >= 0)) throw new RangeError(`mean must be >= 0, got ${mean}`);
  if (mean === 0) return 0;
  if (!(variance > mean)) return poissonQuantile(p, mean);
  const r = (mean * mean) / (variance - mean);
  const q = mean / variance;
  const log1mq = Math.log1p(-q);
  return discreteQuantile(p, r * Math.log(q), (k) => Math.log((k - 1 + r) / k) + log1mq, mean, Math.sqrt(variance));
}
