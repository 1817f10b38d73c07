import { createLoss } from './losses';
import { deserializeModel, serializeModel, summarizeModel } from './serialize';
import { syntheticRegression } from './synthetic';
import { trainGbdt } from './train';
import type { DatasetInput, FeatureMatrix } from './types';

const train = syntheticRegression({ numRows: 3000, seed: 1, missingRate: 0.05, categorical: true });
const test = syntheticRegression({ numRows: 1000, seed: 2, missingRate: 0.05, categorical: true });

function rmse(y: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

describe('trainGbdt', () => {
  it('beats a constant by a wide margin on a nonlinear regression', () => {
    const m = trainGbdt(train, { loss: { type: 'l2' }, numTrees: 150, learningRate: 0.1, maxDepth: 4 });
    const mean = train.target.reduce((a, b) => a + b, 0) / train.numRows;
    const constant = rmse(test.target, new Float64Array(test.numRows).fill(mean));
    const model = rmse(test.target, m.predict(test));
    expect(model).toBeLessThan(0.35 * constant);
  });

  it('stops early and keeps the best iteration', () => {
    // Pure noise: the validation loss is best after very few rounds.
    const noisy: DatasetInput = {
      ...train,
      target: train.target.map((_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1),
    };
    const valid: DatasetInput = { ...test, target: test.target.map((_, i) => (Math.sin(i * 78.233) * 43758.5453) % 1) };
    const seen: number[] = [];
    const m = trainGbdt(noisy, {
      loss: { type: 'l2' },
      numTrees: 200,
      learningRate: 0.3,
      maxDepth: 6,
      validation: valid,
      earlyStoppingRounds: 5,
      onIteration: (info) => {
        seen.push(info.validMetric as number);
      },
    });
    expect(seen.length).toBeLessThan(200);
    const best = Math.min(...seen);
    const bestIt = seen.indexOf(best);
    expect(seen.length).toBe(bestIt + 1 + 5);
    expect(m.trees.length).toBe(bestIt + 1);
    expect(m.bestIteration).toBe(bestIt);
    const loss = createLoss({ type: 'l2' });
    expect(loss.metric(valid.target, m.predictRaw(valid))).toBeCloseTo(best, 10);
  });

  it('stops when onIteration returns false', () => {
    const m = trainGbdt(train, { loss: { type: 'l2' }, numTrees: 50, onIteration: (i) => i.iteration < 2 });
    expect(m.trees.length).toBe(3);
  });

  it('is deterministic for a seed and changes with the seed when sampling', () => {
    const params = { loss: { type: 'l2' as const }, numTrees: 20, subsample: 0.7, colsampleByTree: 0.6, seed: 42 };
    const a = serializeModel(trainGbdt(train, params));
    const b = serializeModel(trainGbdt(train, params));
    const c = serializeModel(trainGbdt(train, { ...params, seed: 43 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('gives the same model with worker threads as without', () => {
    const big = syntheticRegression({ numRows: 40_000, seed: 5, missingRate: 0.02 });
    const params = { loss: { type: 'poisson' as const }, numTrees: 3, maxDepth: 3 };
    const counts = { ...big, target: big.target.map((v) => Math.round(Math.exp(0.3 * v))) };
    const one = serializeModel(trainGbdt(counts, params));
    const two = serializeModel(trainGbdt(counts, { ...params, numThreads: 2 }));
    expect(two).toBe(one);
  });

  it('accepts column-major features and gives the same model', () => {
    const n = train.numRows;
    const nf = train.numFeatures;
    const col = new Float32Array(n * nf);
    for (let r = 0; r < n; r++) for (let f = 0; f < nf; f++) col[f * n + r] = train.data[r * nf + f];
    const params = { loss: { type: 'l2' as const }, numTrees: 5 };
    const a = trainGbdt(train, params);
    const b = trainGbdt({ ...train, data: col, layout: 'column-major' }, params);
    expect(serializeModel(b)).toBe(serializeModel(a));
    const colTest: FeatureMatrix = { data: col, numRows: n, numFeatures: nf, layout: 'column-major' };
    expect(Array.from(a.predict(colTest))).toEqual(Array.from(a.predict(train)));
  });

  it('round-trips through JSON with identical predictions and reports a summary', () => {
    const m = trainGbdt(train, {
      loss: { type: 'tweedie', variancePower: 1.4 },
      numTrees: 10,
      growPolicy: 'lossguide',
      maxLeaves: 12,
    });
    const text = serializeModel(m);
    const back = deserializeModel(text);
    expect(serializeModel(back)).toBe(text);
    expect(Array.from(back.predict(test))).toEqual(Array.from(m.predict(test)));
    const s = summarizeModel(m);
    expect(s.numTrees).toBe(10);
    expect(s.numLeaves).toBeLessThanOrEqual(120);
    expect(s.serializedBytes).toBe(Buffer.byteLength(text));
    expect(() => deserializeModel(text.replace('"shelfcast.gbdt"', '"other"'))).toThrow(/not a shelfcast.gbdt/);
  });

  it('ranks the informative features first by gain importance', () => {
    const m = trainGbdt(train, { loss: { type: 'l2' }, numTrees: 30 });
    const table = m.importanceTable('gain');
    expect(
      table
        .slice(0, 3)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['store_type', 'x0', 'x1']);
    expect(m.featureImportance('split').reduce((a, b) => a + b, 0)).toBe(m.summary().numInternalNodes);
  });

  it('fits Poisson, Tweedie and quantile losses sensibly', () => {
    const counts = syntheticRegression({ numRows: 3000, seed: 3, target: 'count' });
    const countsTest = syntheticRegression({ numRows: 1000, seed: 4, target: 'count' });
    const poisson = createLoss({ type: 'poisson' });
    const pm = trainGbdt(counts, { loss: { type: 'poisson' }, numTrees: 100, maxDepth: 4 });
    const constRaw = new Float64Array(countsTest.numRows).fill(poisson.initScore(counts.target));
    expect(poisson.metric(countsTest.target, pm.predictRaw(countsTest))).toBeLessThan(
      0.7 * poisson.metric(countsTest.target, constRaw),
    );

    const q = trainGbdt(train, { loss: { type: 'quantile', alpha: 0.9 }, numTrees: 100, maxDepth: 4 });
    const pq = q.predict(test);
    const covered = test.target.filter((y, i) => y <= pq[i]).length / test.numRows;
    expect(covered).toBeGreaterThan(0.82);
    expect(covered).toBeLessThan(0.96);
  });

  it('validates its inputs', () => {
    expect(() => trainGbdt({ ...train, target: new Float64Array(3) }, { loss: { type: 'l2' } })).toThrow(
      /target length/,
    );
    expect(() => trainGbdt(train, { loss: { type: 'l2' }, maxBin: 300 })).toThrow(/maxBin/);
    expect(() =>
      trainGbdt(train, { loss: { type: 'l2' }, growPolicy: 'lossguide', maxLeaves: 0, maxDepth: 0 }),
    ).toThrow(/unlimited/);
  });
});
