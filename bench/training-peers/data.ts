/**
 * Synthetic retail-like demand rows for the training benchmarks: many store × SKU series with weekly
 * and yearly seasonality, promotions, price elasticity, holidays and count noise, turned into the
 * lag / rolling / calendar / price / promo features a global forecasting model uses. Seeded.
 */
import { createRng } from '@shelfcast/ml';

export const FEATURE_NAMES = [
  'lag_1',
  'lag_2',
  'lag_7',
  'lag_14',
  'lag_28',
  'rmean_7',
  'rmean_14',
  'rmean_28',
  'rstd_7',
  'ewm_03',
  'expanding_mean',
  'day_of_week',
  'day_of_month',
  'month',
  'promo',
  'price',
  'price_ratio_28',
  'discount',
  'days_since_promo',
  'holiday',
] as const;

export interface DemandSplit {
  featureNames: string[];
  numFeatures: number;
  /** Row-major float32 features, NaN = missing. */
  xTrain: Float32Array;
  yTrain: Float64Array;
  xTest: Float32Array;
  yTest: Float64Array;
  numTrain: number;
  numTest: number;
  numSeries: number;
  numDays: number;
}

export interface DemandOptions {
  /** Approximate total rows (train + test). */
  rows: number;
  /** Days at the end of every series held out as the test set. */
  testDays: number;
  seed: number;
  /** Share of prices reported missing. */
  missingPriceRate: number;
}

const WARMUP = 28;

function poisson(rng: ReturnType<typeof createRng>, lambda: number): number {
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rng.next();
    } while (p > l);
    return k - 1;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
}

function gamma(rng: ReturnType<typeof createRng>, shape: number): number {
  // Marsaglia-Tsang (shape >= 1).
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
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function makeDemandData(opts: DemandOptions): DemandSplit {
  const rng = createRng(opts.seed);
  const usable = 532;
  const numDays = usable + WARMUP;
  const numSeries = Math.max(1, Math.ceil(opts.rows / usable));
  const nf = FEATURE_NAMES.length;
  const trainDays = usable - opts.testDays;
  const numTrain = numSeries * trainDays;
  const numTest = numSeries * opts.testDays;
  const xTrain = new Float32Array(numTrain * nf);
  const yTrain = new Float64Array(numTrain);
  const xTest = new Float32Array(numTest * nf);
  const yTest = new Float64Array(numTest);
  const holidays = new Set([0, 45, 120, 121, 185, 250, 330, 357, 358, 359, 364]);
  const sales = new Float64Array(numDays);
  const price = new Float64Array(numDays);
  const promo = new Uint8Array(numDays);
  const row = new Float32Array(nf);
  let iTrain = 0;
  let iTest = 0;
  for (let s = 0; s < numSeries; s++) {
    const level = Math.exp(0.8 + 0.9 * rng.normal());
    const elasticity = -0.5 - 2 * rng.next();
    const basePrice = 1 + 19 * rng.next();
    const promoRate = 0.03 + 0.12 * rng.next();
    const promoLift = 1.1 + 0.6 * rng.next();
    const weekly = Array.from({ length: 7 }, (_, d) =>
      Math.exp(0.25 * Math.sin((2 * Math.PI * (d + 7 * rng.next())) / 7)),
    );
    const yearlyAmp = 0.4 * rng.next();
    const yearlyPhase = 2 * Math.PI * rng.next();
    const trend = 0.0006 * rng.normal();
    const dispersion = 2 + 8 * rng.next();
    const startDow = s % 7;
    for (let t = 0; t < numDays; t++) {
      promo[t] = rng.next() < promoRate ? 1 : 0;
      const discount = promo[t] ? 0.1 + 0.3 * rng.next() : 0;
      price[t] = basePrice * (1 - discount) * (1 + 0.02 * rng.normal());
      const dow = (startDow + t) % 7;
      const doy = t % 365;
      let mu =
        level *
        weekly[dow] *
        Math.exp(yearlyAmp * Math.sin((2 * Math.PI * doy) / 365 + yearlyPhase) + trend * t) *
        Math.pow(price[t] / basePrice, elasticity) *
        (promo[t] ? promoLift : 1) *
        (holidays.has(doy) ? 1.6 : 1);
      // Demand is autocorrelated: yesterday's shock carries over a little.
      if (t > 0) mu = 0.85 * mu + 0.15 * sales[t - 1];
      sales[t] = poisson(rng, mu * (gamma(rng, dispersion) / dispersion));
    }
    let ewm = sales[0];
    let lastPromo = -100;
    let cumSum = 0;
    for (let t = 0; t < numDays; t++) {
      if (t >= WARMUP) {
        const dow = (startDow + t) % 7;
        let s7 = 0;
        let q7 = 0;
        let s14 = 0;
        let s28 = 0;
        let p28 = 0;
        for (let k = 1; k <= 28; k++) {
          const v = sales[t - k];
          if (k <= 7) {
            s7 += v;
            q7 += v * v;
          }
          if (k <= 14) s14 += v;
          s28 += v;
          p28 += price[t - k];
        }
        const m7 = s7 / 7;
        const reported = rng.next() < opts.missingPriceRate ? NaN : price[t];
        row[0] = sales[t - 1];
        row[1] = sales[t - 2];
        row[2] = sales[t - 7];
        row[3] = sales[t - 14];
        row[4] = sales[t - 28];
        row[5] = m7;
        row[6] = s14 / 14;
        row[7] = s28 / 28;
        row[8] = Math.sqrt(Math.max(0, q7 / 7 - m7 * m7));
        row[9] = ewm;
        row[10] = cumSum / t;
        row[11] = dow;
        row[12] = 1 + (t % 30);
        row[13] = 1 + Math.floor((t % 365) / 30.42);
        row[14] = promo[t];
        row[15] = reported;
        row[16] = reported / (p28 / 28);
        row[17] = promo[t] ? 1 - price[t] / basePrice : 0;
        row[18] = Math.min(t - lastPromo, 60);
        row[19] = holidays.has(t % 365) ? 1 : 0;
        const u = t - WARMUP;
        if (u < trainDays) {
          xTrain.set(row, iTrain * nf);
          yTrain[iTrain++] = sales[t];
        } else {
          xTest.set(row, iTest * nf);
          yTest[iTest++] = sales[t];
        }
      }
      ewm = 0.3 * sales[t] + 0.7 * ewm;
      cumSum += sales[t];
      if (promo[t]) lastPromo = t;
    }
  }
  return {
    featureNames: [...FEATURE_NAMES],
    numFeatures: nf,
    xTrain,
    yTrain,
    xTest,
    yTest,
    numTrain,
    numTest,
    numSeries,
    numDays,
  };
}
