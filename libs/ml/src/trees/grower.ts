/**
 * Grows one regression tree on binned data from gradients and hessians.
 *
 * Rows of a leaf are a contiguous range of rowIdx (stable partition, so rows stay in ascending order
 * and bin reads stay cache friendly). Only the smaller child of a split gets its histogram built (by
 * the row kernels, kernels.ts); the larger one is parent − smaller (histogram subtraction), and a
 * child that can never be split needs none. Histograms come from a pool and go back to it as soon as
 * their leaf is split or cannot be.
 *
 * Policies: 'depthwise' always splits the shallowest open leaf (level by level, as XGBoost),
 * 'lossguide' the open leaf of largest gain (best-first, as LightGBM), both up to maxLeaves/maxDepth.
 */
import type { BinnedData } from './binning';
import { findBestSplit, goLeftTable, type HistLayout, type SplitInfo, type SplitParams } from './split';
import { RowKernels } from './kernels';
import type { GrowPolicy } from './types';

export interface GrowerParams extends SplitParams {
  growPolicy: GrowPolicy;
  /** 0 = unlimited. */
  maxDepth: number;
  /** 0 = unlimited. */
  maxLeaves: number;
}

interface LeafState {
  begin: number;
  end: number;
  g: number;
  h: number;
  c: number;
  depth: number;
  hist: Float64Array | null;
  split: SplitInfo | null;
  /** Internal node whose child this leaf is, -1 for the root. */
  parent: number;
  isLeft: boolean;
  order: number;
}

/** Structure of a grown tree; leaf values are filled in by the booster. */
export interface GrownTree {
  splitFeature: number[];
  splitBin: number[];
  categorical: boolean[];
  catBins: number[][];
  defaultLeft: boolean[];
  left: number[];
  right: number[];
  gain: number[];
  cover: number[];
  numLeaves: number;
  /** Per leaf: row range in rowIdx and gradient statistics. */
  leafBegin: Int32Array;
  leafEnd: Int32Array;
  leafG: Float64Array;
  leafH: Float64Array;
  leafC: Float64Array;
  leafDepth: Int32Array;
}

export class TreeGrower {
  /** Rows of the current tree; leaf ranges index into it. */
  readonly rowIdx: Uint32Array;
  private readonly kernels: RowKernels;
  private readonly pool: Float64Array[] = [];
  private readonly histSize: number;
  private readonly layout: HistLayout;
  private readonly goLeft = new Uint8Array(256);

  constructor(
    private readonly data: BinnedData,
    private readonly p: GrowerParams,
    /** Every hessian is 1: histograms keep [g, count] only. */
    private readonly unitHessian: boolean,
    numThreads = 1,
    /** Histogram encoding (default: quantized up to QUANTIZED_MAX_ROWS rows). */
    encoding?: 'quantized' | 'exact',
  ) {
    this.kernels = new RowKernels(data, unitHessian, numThreads, encoding);
    this.rowIdx = this.kernels.rowIdx;
    const stride = this.kernels.decodedStride;
    this.layout = { stride, countOffset: stride - 1, histOffset: data.histOffset, features: data.features };
    this.histSize = this.kernels.size;
  }

  /** Stops helper threads. */
  dispose(): void {
    this.kernels.dispose();
  }

  /** Where the booster writes each round's gradients and hessians (shared with helper threads). */
  get grad(): Float64Array {
    return this.kernels.grad;
  }

  get hess(): Float64Array {
    return this.kernels.hess;
  }

  /** Where the booster keeps the raw scores of the training rows. */
  get raw(): Float64Array {
    return this.kernels.raw;
  }

  /** Adds value to the raw score of the rows rowIdx[begin, end) (a leaf's rows). */
  addToRaw(begin: number, end: number, value: number): void {
    this.kernels.addToRaw(begin, end, value);
  }

  /** Grows a tree over rowIdx[0, numRows) from grad/hess; sumAbsGrad bounds Σ|grad| over those rows. */
  grow(sumAbsGrad: number, numRows: number, active: Int32Array): GrownTree {
    const p = this.p;
    const t: GrownTree = {
      splitFeature: [],
      splitBin: [],
      categorical: [],
      catBins: [],
      defaultLeft: [],
      left: [],
      right: [],
      gain: [],
      cover: [],
      numLeaves: 0,
      leafBegin: new Int32Array(0),
      leafEnd: new Int32Array(0),
      leafG: new Float64Array(0),
      leafH: new Float64Array(0),
      leafC: new Float64Array(0),
      leafDepth: new Int32Array(0),
    };
    this.kernels.prepare(sumAbsGrad, numRows);
    let order = 0;
    // Root totals are read from its histogram (as the histograms see the gradients), see evaluate().
    const root: LeafState = {
      begin: 0,
      end: numRows,
      g: 0,
      h: this.unitHessian ? numRows : 0,
      c: numRows,
      depth: 0,
      hist: null,
      split: null,
      parent: -1,
      isLeft: false,
      order: order++,
    };
    const leaves: LeafState[] = [root];
    if (this.splittable(root)) {
      root.hist = this.acquire();
      this.kernels.build(root.hist, root.begin, root.end, active);
      this.evaluate(root, active);
    }
    const maxLeaves = p.maxLeaves > 0 ? p.maxLeaves : Infinity;
    while (leaves.length < maxLeaves) {
      // Pick the leaf to split.
      let pick = -1;
      for (let i = 0; i < leaves.length; i++) {
        const s = leaves[i].split;
        if (s === null) continue;
        if (pick < 0) {
          pick = i;
          continue;
        }
        const a = leaves[i];
        const b = leaves[pick];
        if (p.growPolicy === 'depthwise') {
          if (a.depth < b.depth || (a.depth === b.depth && a.order < b.order)) pick = i;
        } else if (
          s.gain > (b.split as SplitInfo).gain ||
          (s.gain === (b.split as SplitInfo).gain && a.order < b.order)
        ) {
          pick = i;
        }
      }
      if (pick < 0) break;
      const leaf = leaves[pick];
      const s = leaf.split as SplitInfo;
      // Record the internal node.
      const node = t.splitFeature.length;
      t.splitFeature.push(s.feature);
      t.splitBin.push(s.bin);
      t.categorical.push(s.categorical);
      t.catBins.push(s.catBins);
      t.defaultLeft.push(s.defaultLeft);
      t.left.push(0);
      t.right.push(0);
      t.gain.push(s.gain);
      t.cover.push(leaf.c);
      if (leaf.parent >= 0) (leaf.isLeft ? t.left : t.right)[leaf.parent] = node;
      // Partition its rows.
      const mid = this.partition(leaf.begin, leaf.end, s);
      const depth = leaf.depth + 1;
      const l: LeafState = {
        begin: leaf.begin,
        end: mid,
        g: s.leftG,
        h: s.leftH,
        c: s.leftC,
        depth,
        hist: null,
        split: null,
        parent: node,
        isLeft: true,
        order: order++,
      };
      const r: LeafState = {
        begin: mid,
        end: leaf.end,
        g: s.rightG,
        h: s.rightH,
        c: s.rightC,
        depth,
        hist: null,
        split: null,
        parent: node,
        isLeft: false,
        order: order++,
      };
      // Exact counts from the partition (the histogram counts are the same numbers).
      l.c = mid - leaf.begin;
      r.c = leaf.end - mid;
      leaves[pick] = l;
      leaves.push(r);
      const roomLeft = leaves.length < maxLeaves;
      const ls = roomLeft && this.splittable(l);
      const rs = roomLeft && this.splittable(r);
      const parentHist = leaf.hist as Float64Array;
      leaf.hist = null;
      if (ls || rs) {
        const [small, large] = l.end - l.begin <= r.end - r.begin ? [l, r] : [r, l];
        const smallSplittable = small === l ? ls : rs;
        const largeSplittable = small === l ? rs : ls;
        const sh = this.acquire();
        this.kernels.build(sh, small.begin, small.end, active);
        if (largeSplittable) {
          subtract(parentHist, sh);
          large.hist = parentHist;
          this.evaluate(large, active);
        } else {
          this.release(parentHist);
        }
        if (smallSplittable) {
          small.hist = sh;
          this.evaluate(small, active);
        } else {
          this.release(sh);
        }
      } else {
        this.release(parentHist);
      }
      // Free histograms of leaves that will not be split.
      for (const lf of [l, r]) {
        if (lf.hist !== null && lf.split === null) {
          this.release(lf.hist);
          lf.hist = null;
        }
      }
    }
    // Leaves: number them in creation order of their slot and link parents.
    const nl = leaves.length;
    t.numLeaves = nl;
    t.leafBegin = new Int32Array(nl);
    t.leafEnd = new Int32Array(nl);
    t.leafG = new Float64Array(nl);
    t.leafH = new Float64Array(nl);
    t.leafC = new Float64Array(nl);
    t.leafDepth = new Int32Array(nl);
    const sorted = leaves.slice().sort((a, b) => a.begin - b.begin);
    for (let i = 0; i < nl; i++) {
      const lf = sorted[i];
      if (lf.hist !== null) {
        this.release(lf.hist);
        lf.hist = null;
      }
      t.leafBegin[i] = lf.begin;
      t.leafEnd[i] = lf.end;
      // Exact sums for leaf values (histogram sums may be quantized).
      t.leafG[i] = this.kernels.sumRange(lf.begin, lf.end, 'grad');
      t.leafH[i] = this.unitHessian ? lf.end - lf.begin : this.kernels.sumRange(lf.begin, lf.end, 'hess');
      t.leafC[i] = lf.c;
      t.leafDepth[i] = lf.depth;
      if (lf.parent >= 0) (lf.isLeft ? t.left : t.right)[lf.parent] = ~i;
    }
    return t;
  }

  private splittable(lf: LeafState): boolean {
    const p = this.p;
    if (p.maxDepth > 0 && lf.depth >= p.maxDepth) return false;
    if (lf.c < 2 * Math.max(1, p.minDataInLeaf)) return false;
    // The root's hessian sum is known once its histogram is built (split finding checks children).
    return lf.parent < 0 || lf.h >= 2 * p.minChildWeight;
  }

  private evaluate(lf: LeafState, active: Int32Array): void {
    const hist = this.kernels.decode(lf.hist as Float64Array);
    if (lf.parent < 0) {
      // Root: totals over the slots of one feature (every row falls in exactly one of them).
      const { stride } = this.layout;
      const f = active[0];
      const base = this.data.histOffset[f] * stride;
      let g = 0;
      let h = 0;
      for (let s = 0; s <= this.data.features[f].numBins; s++) {
        g += hist[base + s * stride];
        h += hist[base + s * stride + 1];
      }
      lf.g = g;
      if (!this.unitHessian) lf.h = h;
    }
    lf.split = findBestSplit(hist, this.layout, active, lf.g, lf.h, lf.c, this.p);
  }

  private acquire(): Float64Array {
    const h = this.pool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.histSize);
  }

  private release(h: Float64Array): void {
    this.pool.push(h);
  }

  /** Stable partition of rowIdx[begin, end); returns the first index of the right side. */
  private partition(begin: number, end: number, s: SplitInfo): number {
    const table = goLeftTable(s, this.data.features[s.feature], this.goLeft);
    return this.kernels.partition(begin, end, s.feature, table);
  }
}

function subtract(parent: Float64Array, child: Float64Array): void {
  for (let i = 0; i < parent.length; i++) parent[i] -= child[i];
}
