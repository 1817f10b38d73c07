import { syntheticRegression } from './synthetic';
import { trainGbdt } from './train';
import { nextNode } from './tree-predict';
import type { FeatureMatrix, Tree } from './types';

/** Path-dependent expectation of a tree's output given the features in S (others follow both children by cover). */
function conditional(t: Tree, x: Float64Array, inS: boolean[]): number {
  const walk = (node: number): number => {
    if (node < 0) return t.leafValue[~node];
    const f = t.splitFeature[node];
    if (inS[f]) return walk(nextNode(t, node, x[f]));
    const cover = (c: number): number => (c >= 0 ? t.internalCover[c] : t.leafCover[~c]);
    const l = t.left[node];
    const r = t.right[node];
    return (cover(l) * walk(l) + cover(r) * walk(r)) / t.internalCover[node];
  };
  return t.splitFeature.length === 0 ? t.leafValue[0] : walk(0);
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

describe('TreeSHAP', () => {
  const data = syntheticRegression({ numRows: 600, seed: 11, missingRate: 0.1, categorical: true });
  const model = trainGbdt(data, { loss: { type: 'l2' }, numTrees: 4, maxDepth: 4, learningRate: 0.5 });
  const rows: FeatureMatrix = {
    data: data.data.subarray(0, 8 * data.numFeatures),
    numRows: 8,
    numFeatures: data.numFeatures,
  };

  it('contributions plus bias sum to the raw prediction', () => {
    const { contributions, bias } = model.shap(rows);
    const raw = model.predictRaw(rows);
    for (let r = 0; r < rows.numRows; r++) {
      let s = bias;
      for (let f = 0; f < rows.numFeatures; f++) s += contributions[r * rows.numFeatures + f];
      expect(s).toBeCloseTo(raw[r], 10);
    }
  });

  it('matches brute-force Shapley values of the path-dependent value function', () => {
    const nf = rows.numFeatures;
    const { contributions } = model.shap(rows);
    for (let r = 0; r < rows.numRows; r++) {
      const x = Float64Array.from({ length: nf }, (_, f) => rows.data[r * nf + f]);
      const value = (mask: number): number => {
        const inS = Array.from({ length: nf }, (_, f) => ((mask >> f) & 1) === 1);
        return model.trees.reduce((s, t) => s + conditional(t, x, inS), 0);
      };
      for (let f = 0; f < nf; f++) {
        let phi = 0;
        for (let mask = 0; mask < 1 << nf; mask++) {
          if ((mask >> f) & 1) continue;
          let size = 0;
          for (let j = 0; j < nf; j++) size += (mask >> j) & 1;
          const weight = (factorial(size) * factorial(nf - size - 1)) / factorial(nf);
          phi += weight * (value(mask | (1 << f)) - value(mask));
        }
        expect(contributions[r * nf + f]).toBeCloseTo(phi, 10);
      }
    }
  });
});
