/**
 * A trained ensemble: prediction, importance, TreeSHAP and summary. Serialisation is in serialize.ts.
 */
import { createLoss, type Link } from './losses';
import { treeShap, type ShapResult } from './shap';
import { addTreePrediction, treeDepth } from './tree-predict';
import type { FeatureMatrix, LossConfig, ModelSummary, Tree } from './types';

/** Parameters recorded with a model (what it was trained with; callbacks and data left out). */
export type RecordedParams = Record<string, number | string | boolean>;

export interface GbdtModelInit {
  loss: LossConfig;
  initScore: number;
  featureNames: string[];
  categoricalFeatures: number[];
  trees: Tree[];
  bestIteration: number;
  params: RecordedParams;
}

export class GbdtModel {
  readonly loss: LossConfig;
  readonly link: Link;
  readonly initScore: number;
  readonly featureNames: string[];
  readonly categoricalFeatures: number[];
  readonly trees: Tree[];
  /** 0-based index of the last kept tree's round (trees.length − 1 after early stopping truncation). */
  readonly bestIteration: number;
  readonly params: RecordedParams;

  constructor(init: GbdtModelInit) {
    this.loss = createLoss(init.loss).config as LossConfig;
    this.link = createLoss(init.loss).link;
    this.initScore = init.initScore;
    this.featureNames = init.featureNames;
    this.categoricalFeatures = init.categoricalFeatures;
    this.trees = init.trees;
    this.bestIteration = init.bestIteration;
    this.params = init.params;
  }

  get numFeatures(): number {
    return this.featureNames.length;
  }

  /** Raw scores (log scale for Poisson and Tweedie). */
  predictRaw(m: FeatureMatrix, out?: Float64Array): Float64Array {
    this.checkMatrix(m);
    const res = out ?? new Float64Array(m.numRows);
    res.fill(this.initScore);
    for (const t of this.trees) addTreePrediction(t, m, res);
    return res;
  }

  /** Predictions on the target scale (exp of the raw score for log-link losses). */
  predict(m: FeatureMatrix, out?: Float64Array): Float64Array {
    const res = this.predictRaw(m, out);
    if (this.link === 'log') for (let i = 0; i < res.length; i++) res[i] = Math.exp(res[i]);
    return res;
  }

  /** Total split gain ('gain') or number of splits ('split') per feature. */
  featureImportance(type: 'gain' | 'split' = 'gain'): Float64Array {
    const imp = new Float64Array(this.numFeatures);
    for (const t of this.trees) {
      for (let i = 0; i < t.splitFeature.length; i++) imp[t.splitFeature[i]] += type === 'gain' ? t.splitGain[i] : 1;
    }
    return imp;
  }

  /** Features by descending importance, with names. */
  importanceTable(type: 'gain' | 'split' = 'gain'): { feature: number; name: string; importance: number }[] {
    const imp = this.featureImportance(type);
    return Array.from(imp, (importance, feature) => ({ feature, name: this.featureNames[feature], importance })).sort(
      (a, b) => b.importance - a.importance || a.feature - b.feature,
    );
  }

  /**
   * Per-row feature contributions by exact path-dependent TreeSHAP, in raw-score space:
   * contributions (row-major, numRows × numFeatures) plus bias sum to predictRaw.
   */
  shap(m: FeatureMatrix): ShapResult {
    this.checkMatrix(m);
    return treeShap(this.trees, this.initScore, m);
  }

  summary(serializedBytes = 0): ModelSummary {
    let leaves = 0;
    let internal = 0;
    let maxDepth = 0;
    for (const t of this.trees) {
      leaves += t.leafValue.length;
      internal += t.splitFeature.length;
      maxDepth = Math.max(maxDepth, treeDepth(t));
    }
    return {
      loss: this.loss.type,
      numTrees: this.trees.length,
      numLeaves: leaves,
      numInternalNodes: internal,
      maxDepth,
      meanLeavesPerTree: this.trees.length ? leaves / this.trees.length : 0,
      numFeatures: this.numFeatures,
      categoricalFeatures: this.categoricalFeatures.slice(),
      bestIteration: this.bestIteration,
      initScore: this.initScore,
      serializedBytes,
    };
  }

  private checkMatrix(m: FeatureMatrix): void {
    if (m.numFeatures !== this.numFeatures) {
      throw new Error(`model expects ${this.numFeatures} features, got ${m.numFeatures}`);
    }
    if (m.data.length < m.numRows * m.numFeatures)
      throw new Error('feature matrix data is shorter than numRows × numFeatures');
  }
}
