import { ensureNnBackend } from './backend';
import { nnLoss } from './losses';
import { linearRows, poissonRows } from './spec-helpers';
import { trainMlp } from './train';

/** Mean Poisson deviance 2·(y·log(y/μ) − (y − μ)). */
function poissonDeviance(y: ArrayLike<number>, mu: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += 2 * ((y[i] > 0 ? y[i] * Math.log(y[i] / mu[i]) : 0) - (y[i] - mu[i]));
  return s / y.length;
}

describe('nnLoss', () => {
  it('computes MSE, Poisson and pinball on raw outputs', async () => {
    const tf = await ensureNnBackend();
    const raw = tf.tensor2d([0.5, -1, 2, 0], [2, 2]);
    const y = tf.tensor2d([1, -1, 0, 3], [2, 2]);
    const value = (l: Parameters<typeof nnLoss>[1]): number => tf.tidy(() => nnLoss(tf, l, raw, y).dataSync()[0]);
    expect(value({ type: 'mse' })).toBeCloseTo((0.25 + 0 + 4 + 9) / 4, 6);
    const poisson = [0.5, -1, 2, 0].map((r, i) => Math.exp(r) - [1, -1, 0, 3][i] * r);
    expect(value({ type: 'poisson' })).toBeCloseTo(poisson.reduce((a, b) => a + b) / 4, 5);
    // u = y − r = [0.5, 0, −2, 3]; α = 0.9: [0.45, 0, 0.2, 2.7].
    expect(value({ type: 'pinball', alpha: 0.9 })).toBeCloseTo((0.45 + 0 + 0.2 + 2.7) / 4, 6);
    raw.dispose();
    y.dispose();
  });
});

describe('losses in training', () => {
  it('Poisson: a log-link output, always positive, beats a constant in deviance', async () => {
    const train = poissonRows(1000, 1);
    const test = poissonRows(500, 2);
    const m = await trainMlp(train, {
      hiddenLayers: [16],
      epochs: 8,
      batchSize: 32,
      loss: { type: 'poisson' },
      seed: 2,
    });
    expect(m.link).toBe('log');
    const p = m.predict(test);
    expect(p.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    // Even far outside the training range.
    const far = m.predict({ data: Float32Array.of(-50, 50, 50, -50), numRows: 2, numFeatures: 2 });
    expect(far.every((v) => v >= 0)).toBe(true);
    const mean = Array.from(train.target).reduce((a, b) => a + b, 0) / train.numRows;
    const constant = poissonDeviance(test.target, new Float64Array(test.numRows).fill(mean));
    const model = poissonDeviance(test.target, p);
    const oracle = poissonDeviance(test.target, test.mu);
    expect(model).toBeLessThan(constant - 0.7 * (constant - oracle));
    await expect(
      trainMlp(
        { ...train, target: Float64Array.of(-1, ...Array.from(train.target).slice(1)) },
        { loss: { type: 'poisson' } },
      ),
    ).rejects.toThrow(/>= 0/);
  });

  it('pinball at 0.9 covers about 90% of noisy held-out targets', async () => {
    const train = linearRows(1500, 3, { noise: 1 });
    const test = linearRows(1500, 4, { noise: 1 });
    const coverage = async (alpha: number): Promise<number> => {
      const m = await trainMlp(train, {
        hiddenLayers: [8],
        epochs: 8,
        batchSize: 64,
        optimizer: { type: 'adam', learningRate: 0.003 },
        loss: { type: 'pinball', alpha },
        seed: 3,
      });
      const q = m.predict(test);
      let below = 0;
      for (let i = 0; i < test.numRows; i++) if (test.target[i] <= q[i]) below++;
      return below / test.numRows;
    };
    // 1500 test rows: the sampling standard deviation of the coverage is about 0.008.
    expect(Math.abs((await coverage(0.9)) - 0.9)).toBeLessThan(0.03);
  });
});
