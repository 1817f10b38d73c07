import {
  momentsFromQuantiles,
  negativeBinomialQuantile,
  normalCdf,
  normalPdf,
  normalQuantile,
  planReplenishment,
  poissonCdf,
  poissonQuantile,
} from './index';

const Z90 = 1.2815515655446004;
const Z95 = 1.6448536269514722;

describe('standard normal', () => {
  it('inverse CDF matches reference values', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.95)).toBeCloseTo(Z95, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.1)).toBeCloseTo(-Z90, 14);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 13);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
  });
  it('CDF and inverse agree; pdf at 0', () => {
    for (const p of [1e-8, 0.01, 0.2, 0.5, 0.77, 0.99, 0.999999])
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 12);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 15);
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
  });
});

describe('discrete distributions', () => {
  it('Poisson quantile and CDF (hand-checked: P(D<=8)=0.8472, P(D<=9)=0.9161 for mean 6)', () => {
    expect(poissonCdf(8, 6)).toBeCloseTo(0.8472374939845612, 12);
    expect(poissonQuantile(0.9, 6)).toBe(9);
    expect(poissonQuantile(0.84, 6)).toBe(8);
    expect(poissonQuantile(0.95, 0.3)).toBe(1);
    expect(poissonQuantile(0.999, 500)).toBe(571);
    expect(poissonQuantile(0.9, 0)).toBe(0);
  });
  it('negative binomial from mean and variance', () => {
    // mean 6, variance 12: r = 6, success probability 0.5; P(D<=10) = 0.8949, P(D<=11) > 0.9.
    expect(negativeBinomialQuantile(0.9, 6, 12)).toBe(11);
    // mean 4.5, variance 45: r = 0.5, q = 0.1.
    expect(negativeBinomialQuantile(0.95, 4.5, 45)).toBe(18);
    expect(negativeBinomialQuantile(0.9, 6, 6)).toBe(9); // no over-dispersion: Poisson
  });
});

describe('moments from quantiles', () => {
  it('symmetric levels: mean is the average, sigma the spread over the z distance', () => {
    const m = momentsFromQuantiles({
      levels: [0.1, 0.5, 0.9],
      values: [
        [10 - 2 * Z90, 4],
        [10, 5],
        [10 + 2 * Z90, 9],
      ],
    });
    expect(m.mean[0]).toBeCloseTo(10, 12);
    expect(m.variance[0]).toBeCloseTo(4, 12);
    expect(m.mean[1]).toBeCloseTo(6, 12);
  });
  it('crossed quantiles are sorted; a median alone gives no variance', () => {
    const crossed = momentsFromQuantiles({ levels: [0.1, 0.9], values: [[12], [8]] });
    expect(crossed.mean[0]).toBeCloseTo(10, 12);
    expect(crossed.variance[0]).toBeCloseTo((2 / Z90) ** 2, 12);
    const median = momentsFromQuantiles({ levels: [0.5], values: [[7]] });
    expect(median.mean[0]).toBe(7);
    expect(median.variance[0]).toBeNaN();
  });
});

describe('planReplenishment (hand-computed)', () => {
  // Each period: mean 10, sd 2, given as 10%, 50%, 90% quantiles.
  const quantiles = {
    levels: [0.1, 0.5, 0.9],
    values: [new Array(5).fill(10 - 2 * Z90), new Array(5).fill(10), new Array(5).fill(10 + 2 * Z90)],
  };
  // L = 2, R = 1: mean over P = 30, sd = 2 sqrt(3) = 3.4641; SS = 1.6449 * 3.4641 = 5.6979;
  // S = 35.6979; reorder point = 20 + 5.6979 = 25.6979.
  const base = {
    forecast: quantiles,
    leadTime: 2,
    reviewPeriod: 1,
    serviceLevel: 0.95,
    distribution: 'normal' as const,
  };

  it('safety stock, reorder point, order-up-to; order rounded up to case packs', () => {
    const p = planReplenishment({ ...base, onHand: 10, onOrder: 5, casePack: 6 });
    expect(p.meanProtectionDemand).toBeCloseTo(30, 12);
    expect(p.sdProtectionDemand).toBeCloseTo(2 * Math.sqrt(3), 12);
    expect(p.safetyStock).toBeCloseTo(Z95 * 2 * Math.sqrt(3), 10);
    expect(p.orderUpTo).toBeCloseTo(35.69794010578779, 10);
    expect(p.reorderPoint).toBeCloseTo(25.697940105787787, 10);
    expect(p.inventoryPosition).toBe(15);
    expect(p.need).toBeCloseTo(20.69794010578779, 10);
    expect(p.casePacks).toBe(4);
    expect(p.suggestedOrder).toBe(24);
  });

  it('the minimum order applies when ordering, itself in whole case packs', () => {
    expect(planReplenishment({ ...base, onHand: 10, onOrder: 5, casePack: 6, minOrder: 28 }).suggestedOrder).toBe(30);
    expect(planReplenishment({ ...base, onHand: 10, onOrder: 5, minOrder: 10 }).suggestedOrder).toBe(21);
  });

  it('orders nothing when the inventory position is above the reorder point', () => {
    const p = planReplenishment({ ...base, onHand: 20, onOrder: 6, casePack: 6, minOrder: 30 });
    expect(p.inventoryPosition).toBe(26);
    expect(p.suggestedOrder).toBe(0);
    // Backorders lower the position: 26 - 2 = 24 <= 25.70, so it orders 35.70 - 24 -> 12.
    expect(planReplenishment({ ...base, onHand: 20, onOrder: 6, backorders: 2, casePack: 6 }).suggestedOrder).toBe(12);
  });

  it('is smaller than the (wrong) sum of per-period quantiles', () => {
    const p = planReplenishment({ ...base, serviceLevel: 0.9, onHand: 0 });
    expect(p.orderUpTo).toBeCloseTo(30 + Z90 * 2 * Math.sqrt(3), 10);
    expect(p.orderUpTo).toBeLessThan(3 * (10 + 2 * Z90));
  });

  it('a fractional lead time counts the last period in proportion', () => {
    const p = planReplenishment({ ...base, leadTime: 1.5, reviewPeriod: 0, onHand: 0 });
    expect(p.meanProtectionDemand).toBeCloseTo(15, 12);
    expect(p.sdProtectionDemand).toBeCloseTo(Math.sqrt(6), 12);
  });

  it('low counts: Poisson when the variance is not above the mean', () => {
    // Mean 2 per period over 3 periods: Poisson(6), 90% -> 9; SS = 3; reorder point = 4 + 3 = 7.
    const p = planReplenishment({
      forecast: { mean: Float64Array.of(2, 2, 2), variance: Float64Array.of(2, 2, 2) },
      leadTime: 2,
      reviewPeriod: 1,
      serviceLevel: 0.9,
      onHand: 3,
      backorders: 1,
    });
    expect(p.distribution).toBe('poisson');
    expect(p.orderUpTo).toBe(9);
    expect(p.safetyStock).toBeCloseTo(3, 12);
    expect(p.reorderPoint).toBeCloseTo(7, 12);
    expect(p.suggestedOrder).toBe(7);
  });

  it('low counts: negative binomial when over-dispersed; a median alone means Poisson', () => {
    const nb = planReplenishment({
      forecast: { mean: Float64Array.of(2, 2, 2), variance: Float64Array.of(4, 4, 4) },
      leadTime: 2,
      reviewPeriod: 1,
      serviceLevel: 0.9,
      onHand: 0,
    });
    expect(nb.distribution).toBe('negative-binomial');
    expect(nb.orderUpTo).toBe(11);
    const med = planReplenishment({
      forecast: { levels: [0.5], values: [[2, 2, 2]] },
      leadTime: 3,
      reviewPeriod: 0,
      serviceLevel: 0.9,
      onHand: 0,
    });
    expect(med.distribution).toBe('poisson');
    expect(med.orderUpTo).toBe(9);
  });

  it('rejects impossible inputs', () => {
    expect(() => planReplenishment({ ...base, serviceLevel: 1, onHand: 0 })).toThrow(/serviceLevel/);
    expect(() => planReplenishment({ ...base, leadTime: 5, onHand: 0 })).toThrow(/covers 5 periods/);
    expect(() => planReplenishment({ ...base, casePack: 0, onHand: 0 })).toThrow(/casePack/);
  });
});
