/**
 * The boosting loop: binning, gradients, bagging and feature sampling per tree, tree growth, leaf
 * values (Newton step, or the alpha-quantile of residuals for the quantile loss), shrinkage, score
 * updates and early stopping on a validation set.
 */
import { createRng } from '../core/random';
import { applyBins, findBins, type BinnedData } from './binning';
import { TreeGrower, type GrowerParams, type GrownTree } from './grower';
import { createLoss, weightedQuantile, type Loss } from './losses';
import { GbdtModel, type RecordedParams } from './model';
import { leafWeight } from './split';
import { addTreePrediction, leafIndex } from './tree-predict';
import type { DatasetInput, GrowPolicy, TrainParams, Tree } from './types';

/** Parameters with every default filled in. */
export interface ResolvedParams {
  numTrees: number;
  learningRate: number;
  growPolicy: GrowPolicy;
  maxDepth: number;
  maxLeaves: number;
  minChildWeight: number;
  minDataInLeaf: number;
  lambda: number;
  minSplitGain: number;
  maxDeltaStep: number;
  subsample: number;
  colsampleByTree: number;
  maxBin: number;
  binSampleSize: number;
  maxCatToOnehot: number;
  maxCatThreshold: number;
  catSmooth: number;
  catL2: number;
  minDataPerGroup: number;
  seed: number;
  earlyStoppingRounds: number;
  numThreads: number;
}

export function resolveParams(p: TrainParams): ResolvedParams {
  const growPolicy = p.growPolicy ?? 'depthwise';
  const r: ResolvedParams = {
    numTrees: p.numTrees ?? 100,
    learningRate: p.learningRate ?? 0.1,
    growPolicy,
    maxDepth: p.maxDepth ?? (growPolicy === 'depthwise' ? 6 : 0),
    maxLeaves: p.maxLeaves ?? (growPolicy === 'lossguide' ? 31 : 0),
    minChildWeight: p.minChildWeight ?? 1,
    minDataInLeaf: p.minDataInLeaf ?? 1,
    lambda: p.lambda ?? 1,
    minSplitGain: p.minSplitGain ?? 0,
    maxDeltaStep: p.maxDeltaStep ?? 0,
    subsample: p.subsample ?? 1,
    colsampleByTree: p.colsampleByTree ?? 1,
    maxBin: p.maxBin ?? 255,
    binSampleSize: p.binSampleSize ?? 200_000,
    maxCatToOnehot: p.maxCatToOnehot ?? 4,
    maxCatThreshold: p.maxCatThreshold ?? 32,
    catSmooth: p.catSmooth ?? 10,
    catL2: p.catL2 ?? 10,
    minDataPerGroup: p.minDataPerGroup ?? 10,
    seed: p.seed ?? 0,
    earlyStoppingRounds: p.earlyStoppingRounds ?? 0,
    numThreads: p.numThreads ?? 1,
  };
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new Error(`invalid GBDT parameter: ${msg}`);
  };
  check(Number.isInteger(r.numTrees) && r.numTrees >= 0, `numTrees ${r.numTrees}`);
  check(r.learningRate > 0, `learningRate ${r.learningRate}`);
  check(Number.isInteger(r.maxDepth) && r.maxDepth >= 0, `maxDepth ${r.maxDepth}`);
  check(Number.isInteger(r.maxLeaves) && (r.maxLeaves === 0 || r.maxLeaves >= 2), `maxLeaves ${r.maxLeaves}`);
  check(r.maxDepth > 0 || r.maxLeaves > 0, 'maxDepth and maxLeaves cannot both be unlimited');
  check(r.subsample > 0 && r.subsample <= 1, `subsample ${r.subsample}`);
  check(r.colsampleByTree > 0 && r.colsampleByTree <= 1, `colsampleByTree ${r.colsampleByTree}`);
  check(r.maxBin >= 2 && r.maxBin <= 255, `maxBin ${r.maxBin} (2..255)`);
  check(
    r.lambda >= 0 && r.minChildWeight >= 0 && r.minDataInLeaf >= 0,
    'lambda, minChildWeight, minDataInLeaf must be >= 0',
  );
  return r;
}

function validateDataset(d: DatasetInput, name: string): void {
  const { numRows: n, numFeatures: nf } = d;
  if (!(d.data instanceof Float32Array)) throw new Error(`${name}: features must be a Float32Array`);
  if (d.data.length !== n * nf) throw new Error(`${name}: features length ${d.data.length} != ${n} × ${nf}`);
  if (d.target.length !== n) throw new Error(`${name}: target length ${d.target.length} != ${n}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(d.target[i])) throw new Error(`${name}: target[${i}] is not finite`);
  if (d.weights) {
    if (d.weights.length !== n) throw new Error(`${name}: weights length ${d.weights.length} != ${n}`);
    for (let i = 0; i < n; i++) if (!(d.weights[i] >= 0)) throw new Error(`${name}: weights[${i}] must be >= 0`);
  }
}

/** Trains a gradient-boosted ensemble. Same data, parameters and seed give the same model bytes. */
export function trainGbdt(data: DatasetInput, params: TrainParams): GbdtModel {
  validateDataset(data, 'training set');
  const rp = resolveParams(params);
  const loss = createLoss(params.loss);
  const nf = data.numFeatures;
  const featureNames = data.featureNames ?? Array.from({ length: nf }, (_, i) => `f${i}`);
  if (featureNames.length !== nf) throw new Error(`featureNames has ${featureNames.length} names for ${nf} features`);
  const categorical = Array.from(new Set(data.categoricalFeatures ?? [])).sort((a, b) => a - b);
  for (const c of categorical)
    if (!(Number.isInteger(c) && c >= 0 && c < nf)) throw new Error(`categorical feature ${c} out of range`);
  const valid = params.validation;
  if (valid) {
    validateDataset(valid, 'validation set');
    if (valid.numFeatures !== nf) throw new Error('validation set has a different number of features');
  }

  const binned = applyBins(
    data,
    findBins(data, {
      maxBin: rp.maxBin,
      sampleSize: rp.binSampleSize,
      seed: rp.seed,
      categorical: new Set(categorical),
    }),
  );
  const unitHessian = loss.unitHessian && !data.weights;
  const growerParams: GrowerParams = { ...rp };
  const grower = new TreeGrower(binned, growerParams, unitHessian, rp.numThreads);
  try {
    return boost(data, params, rp, loss, binned, grower, featureNames, categorical);
  } finally {
    grower.dispose();
  }
}

function boost(
  data: DatasetInput,
  params: TrainParams,
  rp: ResolvedParams,
  loss: Loss,
  binned: BinnedData,
  grower: TreeGrower,
  featureNames: string[],
  categorical: number[],
): GbdtModel {
  const n = data.numRows;
  const nf = data.numFeatures;
  const valid = params.validation;
  const y = data.target;
  const w = data.weights;
  const rng = createRng(rp.seed);

  const initScore = loss.initScore(y, w);
  const raw = grower.raw.fill(initScore);
  const grad = grower.grad;
  const hess = grower.hess;
  const inBag = new Uint8Array(n);
  const allFeatures = Int32Array.from({ length: nf }, (_, i) => i);
  const validRaw = valid ? new Float64Array(valid.numRows).fill(initScore) : null;
  const residuals = loss.renewsLeaves ? new Float64Array(n) : null;
  const residualWeights = loss.renewsLeaves && w ? new Float64Array(n) : null;

  const trees: Tree[] = [];
  let bestIteration = -1;
  let bestMetric = Infinity;
  for (let it = 0; it < rp.numTrees; it++) {
    const sumAbsGrad = loss.gradients(y, raw, w, grad, hess);
    // Bagging.
    const idx = grower.rowIdx;
    let rows = 0;
    const bagging = rp.subsample < 1;
    if (bagging) {
      for (let r = 0; r < n; r++) {
        const take = rng.next() < rp.subsample;
        inBag[r] = take ? 1 : 0;
        if (take) idx[rows++] = r;
      }
      if (rows === 0) {
        for (let r = 0; r < n; r++) idx[r] = r;
        inBag.fill(1);
        rows = n;
      }
    } else {
      for (let r = 0; r < n; r++) idx[r] = r;
      rows = n;
    }
    // Feature sampling.
    let active = allFeatures;
    if (rp.colsampleByTree < 1) {
      const k = Math.max(1, Math.round(rp.colsampleByTree * nf));
      active = rng.shuffle(allFeatures.slice()).subarray(0, k).sort();
    }
    const grown = grower.grow(sumAbsGrad, rows, active);
    const tree = finishTree(grown, binned, loss, rp, idx, y, raw, w, residuals, residualWeights);
    // Scores: in-bag rows from the leaf ranges, out-of-bag rows by traversal.
    for (let l = 0; l < grown.numLeaves; l++) grower.addToRaw(grown.leafBegin[l], grown.leafEnd[l], tree.leafValue[l]);
    if (bagging) for (let r = 0; r < n; r++) if (inBag[r] === 0) raw[r] += tree.leafValue[leafIndex(tree, data, r)];
    trees.push(tree);

    let validMetric: number | undefined;
    if (valid && validRaw) {
      addTreePrediction(tree, valid, validRaw);
      validMetric = loss.metric(valid.target, validRaw, valid.weights);
      if (validMetric < bestMetric) {
        bestMetric = validMetric;
        bestIteration = it;
      }
    } else {
      bestIteration = it;
    }
    if (params.onIteration) {
      const proceed = params.onIteration({
        iteration: it,
        numLeaves: grown.numLeaves,
        trainMetric: loss.metric(y, raw, w),
        validMetric,
        bestIteration,
      });
      if (proceed === false) break;
    }
    if (valid && rp.earlyStoppingRounds > 0 && it - bestIteration >= rp.earlyStoppingRounds) break;
  }
  if (valid) trees.length = bestIteration + 1;

  // numThreads is left out: it changes the speed, never the model.
  const { numThreads: _threads, ...modelParams } = rp;
  const recorded: RecordedParams = { ...(modelParams as unknown as RecordedParams) };
  recorded.loss = loss.type;
  for (const [k, v] of Object.entries(loss.config)) if (k !== 'type') recorded[`loss.${k}`] = v as number;
  return new GbdtModel({
    loss: loss.config,
    initScore,
    featureNames: featureNames.slice(),
    categoricalFeatures: categorical,
    trees,
    bestIteration: trees.length - 1,
    params: recorded,
  });
}

/** Converts a grown structure into a Tree with thresholds and final (shrunk) leaf values. */
function finishTree(
  g: GrownTree,
  binned: BinnedData,
  loss: Loss,
  rp: ResolvedParams,
  idx: Uint32Array,
  y: Float64Array,
  raw: Float64Array,
  w: Float64Array | undefined,
  residuals: Float64Array | null,
  residualWeights: Float64Array | null,
): Tree {
  const ni = g.splitFeature.length;
  const threshold = new Float64Array(ni);
  const decisionType = new Uint8Array(ni);
  const catSetIndex = new Int32Array(ni).fill(-1);
  const catSets: Float64Array[] = [];
  for (let i = 0; i < ni; i++) {
    const fb = binned.features[g.splitFeature[i]];
    if (g.categorical[i]) {
      decisionType[i] = 1;
      threshold[i] = NaN;
      catSetIndex[i] = catSets.length;
      catSets.push(Float64Array.from(g.catBins[i], (b) => fb.categories[b]).sort());
    } else {
      threshold[i] = fb.upper[g.splitBin[i]];
    }
  }
  const leafValue = new Float64Array(g.numLeaves);
  for (let l = 0; l < g.numLeaves; l++) {
    let v: number;
    if (loss.renewsLeaves && residuals) {
      const b = g.leafBegin[l];
      const e = g.leafEnd[l];
      const res = residuals.subarray(0, e - b);
      const rw = residualWeights ? residualWeights.subarray(0, e - b) : undefined;
      for (let i = b; i < e; i++) {
        const r = idx[i];
        res[i - b] = y[r] - raw[r];
        if (rw && w) rw[i - b] = w[r];
      }
      v = weightedQuantile(res, (loss.config as { alpha: number }).alpha, rw);
    } else {
      v = leafWeight(g.leafG[l], g.leafH[l], rp.lambda, rp.maxDeltaStep);
    }
    leafValue[l] = v * rp.learningRate;
  }
  return {
    splitFeature: Int32Array.from(g.splitFeature),
    threshold,
    decisionType,
    defaultLeft: Uint8Array.from(g.defaultLeft, (b) => (b ? 1 : 0)),
    left: Int32Array.from(g.left),
    right: Int32Array.from(g.right),
    catSetIndex,
    catSets,
    splitGain: Float64Array.from(g.gain),
    internalCover: Float64Array.from(g.cover),
    leafValue,
    leafCover: Float64Array.from(g.leafC),
  };
}
