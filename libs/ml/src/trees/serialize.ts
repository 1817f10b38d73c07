/**
 * JSON serialisation for the model registry. Deterministic: the same model gives the same string.
 * Non-finite numbers (an +Infinity threshold, NaN for categorical nodes) are written as strings.
 */
import { GbdtModel, type RecordedParams } from './model';
import type { LossConfig, ModelSummary, Tree } from './types';

export const GBDT_FORMAT = 'shelfcast.gbdt';
export const GBDT_FORMAT_VERSION = 1;

type Num = number | string;

export interface SerializedTree {
  splitFeature: number[];
  threshold: Num[];
  decisionType: number[];
  defaultLeft: number[];
  left: number[];
  right: number[];
  catSetIndex: number[];
  catSets: Num[][];
  splitGain: Num[];
  internalCover: Num[];
  leafValue: Num[];
  leafCover: Num[];
}

export interface SerializedGbdt {
  format: typeof GBDT_FORMAT;
  version: number;
  loss: LossConfig;
  initScore: Num;
  featureNames: string[];
  categoricalFeatures: number[];
  bestIteration: number;
  params: RecordedParams;
  trees: SerializedTree[];
}

const enc = (a: ArrayLike<number>): Num[] => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
const dec = (a: Num[]): Float64Array => Float64Array.from(a, (v) => (typeof v === 'string' ? Number(v) : v));

export function modelToJSON(model: GbdtModel): SerializedGbdt {
  return {
    format: GBDT_FORMAT,
    version: GBDT_FORMAT_VERSION,
    loss: model.loss,
    initScore: enc([model.initScore])[0],
    featureNames: model.featureNames.slice(),
    categoricalFeatures: model.categoricalFeatures.slice(),
    bestIteration: model.bestIteration,
    params: model.params,
    trees: model.trees.map((t) => ({
      splitFeature: Array.from(t.splitFeature),
      threshold: enc(t.threshold),
      decisionType: Array.from(t.decisionType),
      defaultLeft: Array.from(t.defaultLeft),
      left: Array.from(t.left),
      right: Array.from(t.right),
      catSetIndex: Array.from(t.catSetIndex),
      catSets: t.catSets.map(enc),
      splitGain: enc(t.splitGain),
      internalCover: enc(t.internalCover),
      leafValue: enc(t.leafValue),
      leafCover: enc(t.leafCover),
    })),
  };
}

export function serializeModel(model: GbdtModel): string {
  return JSON.stringify(modelToJSON(model));
}

export function modelFromJSON(json: SerializedGbdt): GbdtModel {
  if (json.format !== GBDT_FORMAT) throw new Error(`not a ${GBDT_FORMAT} model (format ${String(json.format)})`);
  if (json.version !== GBDT_FORMAT_VERSION) throw new Error(`unsupported ${GBDT_FORMAT} version ${json.version}`);
  const nf = json.featureNames.length;
  const trees: Tree[] = json.trees.map((s, ti) => {
    const t: Tree = {
      splitFeature: Int32Array.from(s.splitFeature),
      threshold: dec(s.threshold),
      decisionType: Uint8Array.from(s.decisionType),
      defaultLeft: Uint8Array.from(s.defaultLeft),
      left: Int32Array.from(s.left),
      right: Int32Array.from(s.right),
      catSetIndex: Int32Array.from(s.catSetIndex),
      catSets: s.catSets.map(dec),
      splitGain: dec(s.splitGain),
      internalCover: dec(s.internalCover),
      leafValue: dec(s.leafValue),
      leafCover: dec(s.leafCover),
    };
    validateTree(t, nf, ti);
    return t;
  });
  return new GbdtModel({
    loss: json.loss,
    initScore: dec([json.initScore])[0],
    featureNames: json.featureNames.slice(),
    categoricalFeatures: json.categoricalFeatures.slice(),
    trees,
    bestIteration: json.bestIteration,
    params: json.params,
  });
}

export function deserializeModel(text: string): GbdtModel {
  return modelFromJSON(JSON.parse(text) as SerializedGbdt);
}

function validateTree(t: Tree, nf: number, ti: number): void {
  const ni = t.splitFeature.length;
  const nl = t.leafValue.length;
  const bad = (msg: string): never => {
    throw new Error(`tree ${ti}: ${msg}`);
  };
  if (nl !== ni + 1) bad(`${nl} leaves for ${ni} internal nodes`);
  for (const a of [
    t.threshold,
    t.decisionType,
    t.defaultLeft,
    t.left,
    t.right,
    t.catSetIndex,
    t.splitGain,
    t.internalCover,
  ]) {
    if (a.length !== ni) bad('node arrays differ in length');
  }
  if (t.leafCover.length !== nl) bad('leaf arrays differ in length');
  for (let i = 0; i < ni; i++) {
    if (t.splitFeature[i] < 0 || t.splitFeature[i] >= nf) bad(`node ${i} splits on feature ${t.splitFeature[i]}`);
    for (const c of [t.left[i], t.right[i]]) {
      if (c >= 0 ? c <= i || c >= ni : ~c >= nl) bad(`node ${i} has child ${c} out of range`);
    }
    if (t.decisionType[i] === 1 && !(t.catSetIndex[i] >= 0 && t.catSetIndex[i] < t.catSets.length))
      bad(`node ${i} has no category set`);
  }
}

/** Summary including the serialised size. */
export function summarizeModel(model: GbdtModel): ModelSummary {
  return model.summary(new TextEncoder().encode(serializeModel(model)).length);
}
