/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, Algorithm 2): feature contributions of
 * one prediction in raw-score space, where a feature outside the coalition follows both children,
 * weighted by the training cover (row counts) of each. Contributions plus bias equal the raw score.
 */
import { featureValue } from './binning';
import { nextNode } from './tree-predict';
import type { FeatureMatrix, Tree } from './types';

export interface ShapResult {
  /** Row-major numRows × numFeatures. */
  contributions: Float64Array;
  /** Expected raw score: the initial score plus each tree's cover-weighted mean leaf value. */
  bias: number;
  numRows: number;
  numFeatures: number;
}

/** Path elements of the recursion, flattened. */
class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly pw: Float64Array;
  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pw = new Float64Array(size);
  }
}

function extendPath(P: PathBuffer, off: number, depth: number, zero: number, one: number, feature: number): void {
  const pw = P.pw;
  P.feature[off + depth] = feature;
  P.zero[off + depth] = zero;
  P.one[off + depth] = one;
  pw[off + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    pw[off + i + 1] += (one * pw[off + i] * (i + 1)) / (depth + 1);
    pw[off + i] = (zero * pw[off + i] * (depth - i)) / (depth + 1);
  }
}

function unwindPath(P: PathBuffer, off: number, depth: number, pathIndex: number): void {
  const pw = P.pw;
  const one = P.one[off + pathIndex];
  const zero = P.zero[off + pathIndex];
  let next = pw[off + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = pw[off + i];
      pw[off + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (pw[off + i] * zero * (depth - i)) / (depth + 1);
    } else {
      pw[off + i] = (pw[off + i] * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = pathIndex; i < depth; i++) {
    P.feature[off + i] = P.feature[off + i + 1];
    P.zero[off + i] = P.zero[off + i + 1];
    P.one[off + i] = P.one[off + i + 1];
  }
}

function unwoundPathSum(P: PathBuffer, off: number, depth: number, pathIndex: number): number {
  const pw = P.pw;
  const one = P.one[off + pathIndex];
  const zero = P.zero[off + pathIndex];
  let next = pw[off + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = pw[off + i] - tmp * zero * ((depth - i) / (depth + 1));
    } else {
      total += pw[off + i] / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

interface RowContext {
  tree: Tree;
  x: Float64Array;
  phi: Float64Array;
  P: PathBuffer;
}

function cover(t: Tree, node: number): number {
  return node >= 0 ? t.internalCover[node] : t.leafCover[~node];
}

function recurse(
  ctx: RowContext,
  node: number,
  parentOff: number,
  depthIn: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  const { tree: t, P } = ctx;
  let depth = depthIn;
  const off = parentOff + depth + 1;
  for (let i = 0; i <= depth; i++) {
    P.feature[off + i] = P.feature[parentOff + i];
    P.zero[off + i] = P.zero[parentOff + i];
    P.one[off + i] = P.one[parentOff + i];
    P.pw[off + i] = P.pw[parentOff + i];
  }
  extendPath(P, off, depth, parentZero, parentOne, parentFeature);
  if (node < 0) {
    const v = t.leafValue[~node];
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(P, off, depth, i);
      ctx.phi[P.feature[off + i]] += w * (P.one[off + i] - P.zero[off + i]) * v;
    }
    return;
  }
  const f = t.splitFeature[node];
  const hot = nextNode(t, node, ctx.x[f]);
  const cold = hot === t.left[node] ? t.right[node] : t.left[node];
  const w = cover(t, node);
  const hotZero = cover(t, hot) / w;
  const coldZero = cover(t, cold) / w;
  let inZero = 1;
  let inOne = 1;
  let pathIndex = 0;
  for (; pathIndex <= depth; pathIndex++) if (P.feature[off + pathIndex] === f) break;
  if (pathIndex !== depth + 1) {
    inZero = P.zero[off + pathIndex];
    inOne = P.one[off + pathIndex];
    unwindPath(P, off, depth, pathIndex);
    depth -= 1;
  }
  recurse(ctx, hot, off, depth + 1, hotZero * inZero, inOne, f);
  recurse(ctx, cold, off, depth + 1, coldZero * inZero, 0, f);
}

function maxTreeDepth(t: Tree): number {
  if (t.splitFeature.length === 0) return 0;
  let best = 0;
  const stack: number[] = [0, 1];
  while (stack.length) {
    const d = stack.pop() as number;
    const node = stack.pop() as number;
    if (node < 0) {
      best = Math.max(best, d - 1);
      continue;
    }
    stack.push(t.left[node], d + 1, t.right[node], d + 1);
  }
  return best;
}

/** Cover-weighted mean leaf value of a tree. */
export function treeExpectedValue(t: Tree): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < t.leafValue.length; i++) {
    s += t.leafValue[i] * t.leafCover[i];
    c += t.leafCover[i];
  }
  return c > 0 ? s / c : 0;
}

export function treeShap(trees: Tree[], initScore: number, m: FeatureMatrix): ShapResult {
  const nf = m.numFeatures;
  const n = m.numRows;
  let maxDepth = 0;
  let bias = initScore;
  for (const t of trees) {
    maxDepth = Math.max(maxDepth, maxTreeDepth(t));
    bias += treeExpectedValue(t);
  }
  const maxd = maxDepth + 2;
  const P = new PathBuffer(((maxd + 1) * (maxd + 2)) / 2 + maxd);
  const contributions = new Float64Array(n * nf);
  const x = new Float64Array(nf);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < nf; f++) x[f] = featureValue(m, r, f);
    const phi = contributions.subarray(r * nf, (r + 1) * nf);
    for (const t of trees) {
      if (t.splitFeature.length === 0) continue;
      recurse({ tree: t, x, phi, P }, 0, 0, 0, 1, 1, -1);
    }
  }
  return { contributions, bias, numRows: n, numFeatures: nf };
}
