import { trainGbdt } from './train';
import type { DatasetInput } from './types';

/** One feature x = 1..10 (plus extra rows), target a step. */
function step(extra: { x: number; y: number }[] = []): DatasetInput {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...extra.map((e) => e.x)];
  const ys = [0, 0, 0, 0, 0, 10, 10, 10, 10, 10, ...extra.map((e) => e.y)];
  return { data: Float32Array.from(xs), numRows: xs.length, numFeatures: 1, target: Float64Array.from(ys) };
}

const oneSplit = { loss: { type: 'l2' as const }, numTrees: 1, maxDepth: 1, learningRate: 1, lambda: 1 };

describe('split finding', () => {
  it('finds the obvious split with the right gain, threshold and leaf values', () => {
    const m = trainGbdt(step(), oneSplit);
    const t = m.trees[0];
    expect(t.splitFeature[0]).toBe(0);
    expect(t.threshold[0]).toBe(5.5);
    // Gradients at the mean 5: +5 on the left five rows, −5 on the right; hessians 1.
    // gain = 25²/(5+1) + 25²/(5+1) − 0²/(10+1)
    expect(t.splitGain[0]).toBeCloseTo(625 / 6 + 625 / 6, 9);
    const leftLeaf = ~t.left[0];
    const rightLeaf = ~t.right[0];
    expect(t.leafValue[leftLeaf]).toBeCloseTo(-25 / 6, 12);
    expect(t.leafValue[rightLeaf]).toBeCloseTo(25 / 6, 12);
    expect(Array.from(t.leafCover)).toEqual([5, 5]);
    const p = m.predict({ data: Float32Array.from([5.5, 5.50001, -100, NaN]), numRows: 4, numFeatures: 1 });
    expect(p[0]).toBeCloseTo(5 - 25 / 6, 12);
    expect(p[1]).toBeCloseTo(5 + 25 / 6, 12);
    expect(p[2]).toBeCloseTo(5 - 25 / 6, 12);
  });

  it('respects minDataInLeaf, minChildWeight and minSplitGain', () => {
    expect(trainGbdt(step(), { ...oneSplit, minDataInLeaf: 6 }).trees[0].splitFeature.length).toBe(0);
    expect(trainGbdt(step(), { ...oneSplit, minChildWeight: 5.5 }).trees[0].splitFeature.length).toBe(0);
    expect(trainGbdt(step(), { ...oneSplit, minSplitGain: 300 }).trees[0].splitFeature.length).toBe(0);
    expect(trainGbdt(step(), { ...oneSplit, minSplitGain: 200 }).trees[0].splitFeature.length).toBe(1);
  });

  it('grows leaf-wise up to maxLeaves and depth-wise up to maxDepth', () => {
    const xs = Float32Array.from({ length: 64 }, (_, i) => i);
    const ys = Float64Array.from({ length: 64 }, (_, i) => Math.floor(i / 8) ** 2);
    const d: DatasetInput = { data: xs, numRows: 64, numFeatures: 1, target: ys };
    const lossguide = trainGbdt(d, {
      loss: { type: 'l2' },
      numTrees: 1,
      growPolicy: 'lossguide',
      maxLeaves: 5,
      lambda: 0,
    });
    expect(lossguide.trees[0].leafValue.length).toBe(5);
    const depthwise = trainGbdt(d, {
      loss: { type: 'l2' },
      numTrees: 1,
      growPolicy: 'depthwise',
      maxDepth: 2,
      lambda: 0,
    });
    expect(depthwise.trees[0].leafValue.length).toBe(4);
    expect(depthwise.summary().maxDepth).toBe(2);
  });
});

describe('missing values', () => {
  it('learns to send missing values with the rows they resemble (right)', () => {
    const d = step([
      { x: NaN, y: 10 },
      { x: NaN, y: 10 },
      { x: NaN, y: 10 },
    ]);
    const t = trainGbdt(d, oneSplit).trees[0];
    expect(t.threshold[0]).toBe(5.5);
    expect(t.defaultLeft[0]).toBe(0);
    const m = trainGbdt(d, oneSplit);
    const p = m.predict({ data: Float32Array.from([NaN, 1, 10]), numRows: 3, numFeatures: 1 });
    expect(p[0]).toBe(p[2]);
    expect(p[0]).not.toBe(p[1]);
  });

  it('learns to send missing values left when they look like the left rows', () => {
    const d = step([
      { x: NaN, y: 0 },
      { x: NaN, y: 0 },
      { x: NaN, y: 0 },
    ]);
    const m = trainGbdt(d, oneSplit);
    expect(m.trees[0].defaultLeft[0]).toBe(1);
    const p = m.predict({ data: Float32Array.from([NaN, 1, 10]), numRows: 3, numFeatures: 1 });
    expect(p[0]).toBe(p[1]);
  });

  it('splits missing against all values when only missingness matters', () => {
    const xs = [1, 2, 3, 4, NaN, NaN, NaN, NaN];
    const ys = [0, 0, 0, 0, 8, 8, 8, 8];
    const m = trainGbdt(
      { data: Float32Array.from(xs), numRows: 8, numFeatures: 1, target: Float64Array.from(ys) },
      oneSplit,
    );
    const t = m.trees[0];
    expect(t.threshold[0]).toBe(Infinity);
    expect(t.defaultLeft[0]).toBe(0);
    const p = m.predict({ data: Float32Array.from([NaN, 1e30]), numRows: 2, numFeatures: 1 });
    expect(p[0]).toBeGreaterThan(p[1]);
  });
});

describe('categorical features', () => {
  it('puts the high-gradient categories in the left set; unseen categories go right', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let rep = 0; rep < 20; rep++) {
      for (let c = 0; c < 8; c++) {
        xs.push(c);
        ys.push([1, 4, 6].includes(c) ? 10 : 0);
      }
    }
    const d: DatasetInput = {
      data: Float32Array.from(xs),
      numRows: xs.length,
      numFeatures: 1,
      target: Float64Array.from(ys),
      categoricalFeatures: [0],
    };
    const m = trainGbdt(d, oneSplit);
    const t = m.trees[0];
    expect(t.decisionType[0]).toBe(1);
    expect(Array.from(t.catSets[t.catSetIndex[0]])).toEqual([1, 4, 6]);
    const p = m.predict({ data: Float32Array.from([1, 4, 6, 0, 99, NaN]), numRows: 6, numFeatures: 1 });
    expect(p[0]).toBe(p[1]);
    expect(p[0]).toBe(p[2]);
    expect(p[3]).toBeLessThan(p[0]);
    expect(p[4]).toBe(p[3]);
    expect(p[5]).toBe(p[3]);
  });

  it('uses one-vs-rest for few categories', () => {
    const xs = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const ys = [0, 0, 0, 5, 5, 5, 0, 0, 0];
    const m = trainGbdt(
      {
        data: Float32Array.from(xs),
        numRows: 9,
        numFeatures: 1,
        target: Float64Array.from(ys),
        categoricalFeatures: [0],
      },
      oneSplit,
    );
    const t = m.trees[0];
    expect(Array.from(t.catSets[0])).toEqual([1]);
  });
});
