/**
 * Tree traversal on raw float32 features: numeric nodes go left when x <= threshold, categorical nodes
 * when x is in the node's set, NaN follows defaultLeft. The same rules as the ONNX export.
 */
import type { FeatureMatrix, Tree } from './types';

export function treeDepth(t: Tree): number {
  if (t.splitFeature.length === 0) return 0;
  const walk = (node: number): number => (node < 0 ? 0 : 1 + Math.max(walk(t.left[node]), walk(t.right[node])));
  return walk(0);
}

/** Leaf index of row r. */
export function leafIndex(t: Tree, m: FeatureMatrix, r: number): number {
  if (t.splitFeature.length === 0) return 0;
  const colMajor = m.layout === 'column-major';
  const rs = colMajor ? 1 : m.numFeatures;
  const fs = colMajor ? m.numRows : 1;
  const data = m.data;
  let node = 0;
  while (node >= 0) node = nextNode(t, node, data[r * rs + t.splitFeature[node] * fs]);
  return ~node;
}

/** Child of node for value x. */
export function nextNode(t: Tree, node: number, x: number): number {
  if (x !== x) return t.defaultLeft[node] === 1 ? t.left[node] : t.right[node];
  if (t.decisionType[node] === 0) return x <= t.threshold[node] ? t.left[node] : t.right[node];
  const set = t.catSets[t.catSetIndex[node]];
  for (let i = 0; i < set.length; i++) if (set[i] === x) return t.left[node];
  return t.right[node];
}

/** out[r] += tree value of row r, for every row. */
export function addTreePrediction(t: Tree, m: FeatureMatrix, out: Float64Array): void {
  const n = m.numRows;
  const leafValue = t.leafValue;
  if (t.splitFeature.length === 0) {
    const v = leafValue[0];
    for (let r = 0; r < n; r++) out[r] += v;
    return;
  }
  const colMajor = m.layout === 'column-major';
  const rs = colMajor ? 1 : m.numFeatures;
  const fs = colMajor ? n : 1;
  const data = m.data;
  const sf = t.splitFeature;
  const thr = t.threshold;
  const dt = t.decisionType;
  const dl = t.defaultLeft;
  const left = t.left;
  const right = t.right;
  for (let r = 0; r < n; r++) {
    const base = r * rs;
    let node = 0;
    while (node >= 0) {
      const x = data[base + sf[node] * fs];
      if (dt[node] === 0) {
        if (x <= thr[node]) node = left[node];
        else if (x !== x) node = dl[node] === 1 ? left[node] : right[node];
        else node = right[node];
      } else {
        node = nextNode(t, node, x);
      }
    }
    out[r] += leafValue[~node];
  }
}
