import { ensureNnBackend, nnBackendReady } from './backend';
import { MlpModel, loadNnModel, serializeNnModel } from './model';
import { linearRows, rootMeanSquare } from './spec-helpers';
import { trainMlp } from './train';
import type { MlpDataset } from './types';

const train = linearRows(1000, 1);
const test = linearRows(400, 2);

describe('ensureNnBackend', () => {
  it('sets TensorFlow.js up once on the wasm backend', async () => {
    const [a, b] = await Promise.all([ensureNnBackend(), ensureNnBackend()]);
    expect(a).toBe(b);
    expect(a.getBackend()).toBe('wasm');
    expect(nnBackendReady()).toBe(true);
  });
});

describe('trainMlp', () => {
  it('learns y = 2·x1 − x2 + noise: the loss falls and it beats a constant', async () => {
    const m = await trainMlp(train, { hiddenLayers: [16, 16], epochs: 10, batchSize: 32, seed: 1 });
    expect(m.history).toHaveLength(10);
    expect(m.history[9].trainLoss).toBeLessThan(0.1 * m.history[0].trainLoss);
    const mean = Array.from(train.target).reduce((a, b) => a + b, 0) / train.numRows;
    const constant = rootMeanSquare(test.target, new Float64Array(test.numRows).fill(mean));
    const model = rootMeanSquare(test.target, m.predict(test));
    expect(model).toBeLessThan(0.15 * constant);
    expect(model).toBeLessThan(0.2); // noise sd is 0.1
    expect(m.featureNames).toEqual(['x1', 'x2']);
  });

  it('also learns with SGD and momentum (Nesterov too)', async () => {
    for (const nesterov of [false, true]) {
      const m = await trainMlp(train, {
        hiddenLayers: [16],
        epochs: 8,
        batchSize: 32,
        optimizer: { type: 'sgd', learningRate: 0.02, momentum: 0.9, nesterov },
      });
      expect(rootMeanSquare(test.target, m.predict(test))).toBeLessThan(0.25);
    }
  });

  it('is deterministic for a seed: same seed, same weights; another seed, other weights', async () => {
    const small = linearRows(300, 3);
    const params = { hiddenLayers: [8], epochs: 3, batchSize: 16, validationFraction: 0.2 };
    const a = await trainMlp(small, { ...params, seed: 42 });
    const b = await trainMlp(small, { ...params, seed: 42 });
    const c = await trainMlp(small, { ...params, seed: 43 });
    expect(serializeNnModel(a)).toBe(serializeNnModel(b));
    expect(a.weight('dense0/kernel').values).toEqual(b.weight('dense0/kernel').values);
    expect(a.weight('dense0/kernel').values).not.toEqual(c.weight('dense0/kernel').values);
  });

  it('stops early and restores the best weights of the validation set', async () => {
    // Few noisy rows and a wide net: the validation loss bottoms out, then rises.
    const noisy = linearRows(160, 4, { noise: 1.5 });
    const seen: number[] = [];
    const run = (restoreBestWeights: boolean): Promise<MlpModel> =>
      trainMlp(noisy, {
        hiddenLayers: [64, 64],
        epochs: 200,
        batchSize: 16,
        optimizer: { type: 'adam', learningRate: 0.01 },
        validationFraction: 0.3,
        earlyStoppingPatience: 5,
        restoreBestWeights,
        seed: 5,
        onEpoch: (info) => void seen.push(info.epoch),
      });
    const m = await run(true);
    const valid = m.history.map((h) => h.validLoss as number);
    const best = valid.indexOf(Math.min(...valid));
    expect(m.history.length).toBeLessThan(200);
    expect(m.bestEpoch).toBe(best);
    expect(m.history.length - 1 - best).toBe(5);
    expect(seen).toEqual(m.history.map((h) => h.epoch));
    // The returned model scores the best epoch's validation loss (MSE in the standardised target).
    const validRows = holdOutRows(noisy, 0.3);
    const scaledMse = (model: MlpModel): number =>
      (rootMeanSquare(validRows.target, model.predict(validRows)) / model.targetScaling.scale[0]) ** 2;
    expect(scaledMse(m)).toBeCloseTo(valid[best], 5);
    expect(valid[valid.length - 1]).toBeGreaterThan(valid[best]);

    const last = await run(false);
    const lastValid = last.history.map((h) => h.validLoss as number);
    expect(scaledMse(last)).toBeCloseTo(lastValid[lastValid.length - 1], 5);
    expect(last.bestEpoch).toBe(last.history.length - 1);
  });

  it('takes an explicit validation set, column-major rows and NaN inputs (the training mean)', async () => {
    const m = await trainMlp(train, { hiddenLayers: [8], epochs: 2, validation: test, earlyStoppingPatience: 3 });
    expect(m.history.every((h) => h.validLoss !== undefined)).toBe(true);
    const n = test.numRows;
    const colMajor = new Float32Array(n * 2);
    for (let r = 0; r < n; r++) for (let f = 0; f < 2; f++) colMajor[f * n + r] = test.data[r * 2 + f];
    expect(m.predict({ data: colMajor, numRows: n, numFeatures: 2, layout: 'column-major' })).toEqual(m.predict(test));
    const mean = m.inputScaling.mean;
    const withNaN = m.predict({ data: Float32Array.of(NaN, NaN, mean[0], mean[1]), numRows: 2, numFeatures: 2 });
    expect(withNaN[0]).toBe(withNaN[1]);
    expect(() => m.predict({ data: new Float32Array(3), numRows: 1, numFeatures: 3 })).toThrow(/2 features/);
  });

  it('round-trips through JSON with base64 float32 weights', async () => {
    const m = await trainMlp(linearRows(200, 6), { hiddenLayers: [4, 3], epochs: 2, seed: 7 });
    const json = m.toJSON();
    expect(json.format).toBe('shelfcast.nn');
    expect(json.weights.map((w) => w.name)).toEqual([
      'dense0/kernel',
      'dense0/bias',
      'dense1/kernel',
      'dense1/bias',
      'output/kernel',
      'output/bias',
    ]);
    expect(typeof json.weights[0].data).toBe('string');
    const back = await loadNnModel(serializeNnModel(m));
    expect(back).toBeInstanceOf(MlpModel);
    expect((back as MlpModel).predict(test)).toEqual(m.predict(test));
    expect(MlpModel.fromJSON(JSON.parse(JSON.stringify(json))).predict(test)).toEqual(m.predict(test));
    const broken = { ...json, weights: json.weights.slice(1) };
    expect(() => MlpModel.fromJSON(broken)).toThrow(/weights/);
  });

  it('rejects bad parameters', async () => {
    await expect(trainMlp(train, { epochs: -1 })).rejects.toThrow(/epochs/);
    await expect(trainMlp(train, { loss: { type: 'pinball', alpha: 1.5 } })).rejects.toThrow(/alpha/);
    await expect(trainMlp({ ...train, target: Array.from(train.target).slice(1) })).rejects.toThrow(/targets/);
  });
});

function holdOutRows(d: MlpDataset, fraction: number): MlpDataset {
  const nValid = Math.round(d.numRows * fraction);
  const start = d.numRows - nValid;
  return {
    data: d.data.subarray(start * d.numFeatures),
    numRows: nValid,
    numFeatures: d.numFeatures,
    target: Array.from(d.target).slice(start),
  };
}
