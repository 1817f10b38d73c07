/**
 * Histograms and split finding.
 *
 * A histogram holds, for every active feature, numBins + 1 slots (the last is missing) of
 * [gradient sum, hessian sum, row count] (stride 3), or [gradient sum, row count] (stride 2) when
 * every hessian is 1 so that the hessian sum is the count.
 */
import type { FeatureBins } from './binning';

export interface SplitParams {
  lambda: number;
  minChildWeight: number;
  minDataInLeaf: number;
  minSplitGain: number;
  maxDeltaStep: number;
  maxCatToOnehot: number;
  maxCatThreshold: number;
  catSmooth: number;
  catL2: number;
  minDataPerGroup: number;
}

export interface SplitInfo {
  feature: number;
  gain: number;
  /** Numeric: rows with bin <= bin go left. */
  bin: number;
  defaultLeft: boolean;
  categorical: boolean;
  /** Categorical: bins that go left, ascending. */
  catBins: number[];
  leftG: number;
  leftH: number;
  leftC: number;
  rightG: number;
  rightH: number;
  rightC: number;
}

export interface HistLayout {
  stride: 2 | 3;
  /** Offset of the count in a slot (2 with stride 3, 1 with stride 2). */
  countOffset: number;
  histOffset: Int32Array;
  features: FeatureBins[];
}

/** Newton leaf value −G/(H+λ), clamped to ±maxDeltaStep when that is positive. */
export function leafWeight(g: number, h: number, lambda: number, maxDeltaStep: number): number {
  let w = -g / (h + lambda);
  if (maxDeltaStep > 0) {
    if (w > maxDeltaStep) w = maxDeltaStep;
    else if (w < -maxDeltaStep) w = -maxDeltaStep;
  }
  return w;
}

/** Loss reduction score of a node: G²/(H+λ), or −(2Gw + (H+λ)w²) for a clamped w. */
export function nodeScore(g: number, h: number, lambda: number, maxDeltaStep: number): number {
  if (maxDeltaStep <= 0) return (g * g) / (h + lambda);
  const w = leafWeight(g, h, lambda, maxDeltaStep);
  return -(2 * g * w + (h + lambda) * w * w);
}

const GAIN_EPS = 1e-12;

/**
 * Best split of a leaf over the active features, or null when none has gain > minSplitGain.
 * Ties keep the first found (feature order, then bin order), so results are deterministic.
 */
export function findBestSplit(
  hist: Float64Array,
  layout: HistLayout,
  active: Int32Array,
  totalG: number,
  totalH: number,
  totalC: number,
  p: SplitParams,
): SplitInfo | null {
  let best: SplitInfo | null = null;
  const parentScore = nodeScore(totalG, totalH, p.lambda, p.maxDeltaStep);
  for (let a = 0; a < active.length; a++) {
    const f = active[a];
    const fb = layout.features[f];
    if (fb.numBins < 2) continue;
    const s =
      fb.kind === 'categorical'
        ? categoricalSplit(hist, layout, f, fb, totalG, totalH, totalC, p, parentScore)
        : numericSplit(hist, layout, f, fb, totalG, totalH, totalC, p, parentScore);
    if (s && s.gain > p.minSplitGain + GAIN_EPS && (best === null || s.gain > best.gain)) best = s;
  }
  return best;
}

function numericSplit(
  hist: Float64Array,
  layout: HistLayout,
  f: number,
  fb: FeatureBins,
  G: number,
  H: number,
  C: number,
  p: SplitParams,
  parentScore: number,
): SplitInfo | null {
  const stride = layout.stride;
  const co = layout.countOffset;
  const base = layout.histOffset[f] * stride;
  const nb = fb.numBins;
  const mk = base + nb * stride;
  const mg = hist[mk];
  const mh = hist[mk + 1];
  const mc = hist[mk + co];
  const { lambda, maxDeltaStep, minDataInLeaf, minChildWeight } = p;
  let bestGain = -Infinity;
  let bestBin = -1;
  let bestMissLeft = false;
  let lg = 0;
  let lh = 0;
  let lc = 0;
  const last = mc > 0 ? nb - 1 : nb - 2;
  // The score G²/(H+λ) is written out when leaf values are not clamped (the common case).
  const plain = maxDeltaStep <= 0;
  for (let b = 0; b <= last; b++) {
    const k = base + b * stride;
    const cnt = hist[k + co];
    // An empty bin splits the rows as the bin before it did: nothing new to evaluate.
    if (cnt === 0) continue;
    lg += hist[k];
    lh += hist[k + 1];
    lc += cnt;
    // Missing right.
    const rc = C - lc;
    const rh = H - lh;
    if (lc >= minDataInLeaf && rc >= minDataInLeaf && lh >= minChildWeight && rh >= minChildWeight) {
      const rg = G - lg;
      const gain = plain
        ? (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parentScore
        : nodeScore(lg, lh, lambda, maxDeltaStep) + nodeScore(rg, rh, lambda, maxDeltaStep) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestBin = b;
        bestMissLeft = false;
      }
    }
    // Missing left.
    if (mc > 0 && b < nb - 1) {
      const glc = lc + mc;
      const glh = lh + mh;
      const mrc = C - glc;
      const mrh = H - glh;
      if (glc >= minDataInLeaf && mrc >= minDataInLeaf && glh >= minChildWeight && mrh >= minChildWeight) {
        const glg = lg + mg;
        const mrg = G - glg;
        const gain = plain
          ? (glg * glg) / (glh + lambda) + (mrg * mrg) / (mrh + lambda) - parentScore
          : nodeScore(glg, glh, lambda, maxDeltaStep) + nodeScore(mrg, mrh, lambda, maxDeltaStep) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestBin = b;
          bestMissLeft = true;
        }
      }
    }
  }
  if (bestBin < 0) return null;
  // Left side sums of the best split.
  let sg = bestMissLeft ? mg : 0;
  let sh = bestMissLeft ? mh : 0;
  let sc = bestMissLeft ? mc : 0;
  for (let b = 0; b <= bestBin; b++) {
    const k = base + b * stride;
    sg += hist[k];
    sh += hist[k + 1];
    sc += hist[k + co];
  }
  // Without missing rows at this node, NaN at prediction time follows the larger side.
  const defaultLeft = mc > 0 ? bestMissLeft : sc >= C - sc;
  return {
    feature: f,
    gain: bestGain,
    bin: bestBin,
    defaultLeft,
    categorical: false,
    catBins: [],
    leftG: sg,
    leftH: sh,
    leftC: sc,
    rightG: G - sg,
    rightH: H - sh,
    rightC: C - sc,
  };
}

function categoricalSplit(
  hist: Float64Array,
  layout: HistLayout,
  f: number,
  fb: FeatureBins,
  G: number,
  H: number,
  C: number,
  p: SplitParams,
  parentScore: number,
): SplitInfo | null {
  const stride = layout.stride;
  const co = layout.countOffset;
  const base = layout.histOffset[f] * stride;
  const nb = fb.numBins;
  const mk = base + nb * stride;
  const mg = hist[mk];
  const mh = hist[mk + 1];
  const mc = hist[mk + co];
  const { maxDeltaStep, minDataInLeaf, minChildWeight } = p;
  // Real categories with rows here (the last value bin is "other" and never goes left).
  const cats: number[] = [];
  for (let b = 0; b < nb - 1; b++) if (hist[base + b * stride + co] > 0) cats.push(b);
  if (cats.length === 0) return null;

  let best: { gain: number; set: number[]; missLeft: boolean } | null = null;
  const consider = (set: number[], lg: number, lh: number, lc: number, lambda: number): void => {
    for (let pass = 0; pass < (mc > 0 ? 2 : 1); pass++) {
      const missLeft = pass === 1;
      const g = missLeft ? lg + mg : lg;
      const h = missLeft ? lh + mh : lh;
      const c = missLeft ? lc + mc : lc;
      const rc = C - c;
      const rh = H - h;
      if (c < minDataInLeaf || rc < minDataInLeaf || h < minChildWeight || rh < minChildWeight) continue;
      const gain =
        nodeScore(g, h, lambda, maxDeltaStep) +
        nodeScore(G - g, rh, lambda, maxDeltaStep) -
        nodeScore(G, H, lambda, maxDeltaStep);
      if (best === null || gain > best.gain) best = { gain, set: set.slice(), missLeft };
    }
  };

  if (cats.length <= p.maxCatToOnehot) {
    for (const b of cats) {
      const k = base + b * stride;
      consider([b], hist[k], hist[k + 1], hist[k + co], p.lambda);
    }
  } else {
    const eligible = cats.filter((b) => hist[base + b * stride + co] >= p.minDataPerGroup);
    const ratio = (b: number): number => {
      const k = base + b * stride;
      return hist[k] / (hist[k + 1] + p.catSmooth);
    };
    eligible.sort((a, b) => ratio(a) - ratio(b) || a - b);
    const maxSet = Math.min(p.maxCatThreshold, Math.floor((eligible.length + 1) / 2));
    const lambda = p.lambda + p.catL2;
    for (let dir = 0; dir < 2; dir++) {
      let lg = 0;
      let lh = 0;
      let lc = 0;
      const set: number[] = [];
      for (let i = 0; i < maxSet && i < eligible.length - 1; i++) {
        const b = dir === 0 ? eligible[i] : eligible[eligible.length - 1 - i];
        const k = base + b * stride;
        lg += hist[k];
        lh += hist[k + 1];
        lc += hist[k + co];
        set.push(b);
        consider(set, lg, lh, lc, lambda);
      }
    }
  }
  const chosen = best as { gain: number; set: number[]; missLeft: boolean } | null;
  if (chosen === null) return null;
  // Report the gain with the plain λ so that gains of all features compare on one scale.
  let sg = chosen.missLeft ? mg : 0;
  let sh = chosen.missLeft ? mh : 0;
  let sc = chosen.missLeft ? mc : 0;
  for (const b of chosen.set) {
    const k = base + b * stride;
    sg += hist[k];
    sh += hist[k + 1];
    sc += hist[k + co];
  }
  const gain =
    nodeScore(sg, sh, p.lambda, maxDeltaStep) + nodeScore(G - sg, H - sh, p.lambda, maxDeltaStep) - parentScore;
  return {
    feature: f,
    gain,
    bin: -1,
    defaultLeft: mc > 0 ? chosen.missLeft : false,
    categorical: true,
    catBins: chosen.set.slice().sort((a, b) => a - b),
    leftG: sg,
    leftH: sh,
    leftC: sc,
    rightG: G - sg,
    rightH: H - sh,
    rightC: C - sc,
  };
}

/** Lookup table bin → 1 when the row goes left (the missing bin included). */
export function goLeftTable(s: SplitInfo, fb: FeatureBins, out: Uint8Array): Uint8Array {
  out.fill(0);
  if (s.categorical) for (const b of s.catBins) out[b] = 1;
  else for (let b = 0; b <= s.bin; b++) out[b] = 1;
  out[fb.numBins] = s.defaultLeft ? 1 : 0;
  return out;
}
