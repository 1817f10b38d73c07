import { createLoss, weightedQuantile } from './losses';
import type { LossConfig } from './types';

const points: [number, number][] = [
  [0, -1.2],
  [3, 0.4],
  [1, 1.1],
  [7.5, 2.0],
  [0.2, -0.3],
];

function fd(f: (x: number) => number, x: number, h = 1e-5): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('losses: gradients and hessians against finite differences', () => {
  const smooth: LossConfig[] = [
    { type: 'l2' },
    { type: 'poisson', maxDeltaStep: 0 },
    { type: 'tweedie', variancePower: 1.3 },
    { type: 'tweedie', variancePower: 1.7 },
  ];
  for (const cfg of smooth) {
    it(`${JSON.stringify(cfg)}: gradient = dL/draw, hessian = d²L/draw²`, () => {
      const loss = createLoss(cfg);
      for (const [y, raw] of points) {
        const g = fd((r) => loss.pointLoss(y, r), raw);
        const h = fd((r) => loss.pointGradient(y, r), raw);
        expect(loss.pointGradient(y, raw)).toBeCloseTo(g, 5);
        expect(loss.pointHessian(y, raw)).toBeCloseTo(h, 5);
      }
    });
  }

  it('poisson: the max-delta-step safeguard scales the true hessian by exp(step)', () => {
    const exact = createLoss({ type: 'poisson', maxDeltaStep: 0 });
    const safe = createLoss({ type: 'poisson' });
    for (const [y, raw] of points) {
      expect(safe.pointGradient(y, raw)).toBe(exact.pointGradient(y, raw));
      expect(safe.pointHessian(y, raw)).toBeCloseTo(exact.pointHessian(y, raw) * Math.exp(0.7), 10);
    }
  });

  it('quantile: gradient is the pinball slope away from the kink; hessian is the documented surrogate 1', () => {
    const loss = createLoss({ type: 'quantile', alpha: 0.8 });
    for (const [y, raw] of points) {
      expect(loss.pointGradient(y, raw)).toBeCloseTo(
        fd((r) => loss.pointLoss(y, r), raw),
        6,
      );
      expect(loss.pointHessian(y, raw)).toBe(1);
    }
  });

  it('vectorised gradients equal the point versions, times the weights', () => {
    const ys = Float64Array.from(points, (p) => p[0]);
    const raws = Float64Array.from(points, (p) => p[1]);
    const w = Float64Array.from(points, (_, i) => 0.5 + i);
    for (const cfg of [...smooth, { type: 'quantile', alpha: 0.3 } as LossConfig]) {
      const loss = createLoss(cfg);
      const g = new Float64Array(points.length);
      const h = new Float64Array(points.length);
      loss.gradients(ys, raws, w, g, h);
      points.forEach(([y, raw], i) => {
        expect(g[i]).toBeCloseTo(loss.pointGradient(y, raw) * w[i], 12);
        expect(h[i]).toBeCloseTo(loss.pointHessian(y, raw) * w[i], 12);
      });
    }
  });
});

describe('losses: initial score is the optimal constant', () => {
  const y = Float64Array.from([0, 1, 1, 2, 3, 5, 8, 0, 2, 4]);
  for (const cfg of [
    { type: 'l2' },
    { type: 'poisson' },
    { type: 'tweedie', variancePower: 1.5 },
    { type: 'quantile', alpha: 0.7 },
  ] as LossConfig[]) {
    it(cfg.type, () => {
      const loss = createLoss(cfg);
      const c = loss.initScore(y);
      const total = (raw: number): number => y.reduce((s, v) => s + loss.pointLoss(v, raw), 0);
      expect(total(c)).toBeLessThanOrEqual(total(c + 0.05) + 1e-9);
      expect(total(c)).toBeLessThanOrEqual(total(c - 0.05) + 1e-9);
    });
  }
  it('mean, log-mean and quantile', () => {
    expect(createLoss({ type: 'l2' }).initScore(y)).toBeCloseTo(2.6, 12);
    expect(createLoss({ type: 'poisson' }).initScore(y)).toBeCloseTo(Math.log(2.6), 12);
    expect(createLoss({ type: 'quantile', alpha: 0.5 }).initScore(y)).toBeCloseTo(2, 12);
    expect(weightedQuantile(Float64Array.from([1, 2, 3, 4]), 0.5, Float64Array.from([1, 1, 1, 5]))).toBe(4);
  });
  it('rejects invalid parameters', () => {
    expect(() => createLoss({ type: 'tweedie', variancePower: 2 })).toThrow(/variancePower/);
    expect(() => createLoss({ type: 'quantile', alpha: 1 })).toThrow(/alpha/);
  });
});
