/**
 * The families a run fits on the dataset's rows, all predicting value / series scale from one row
 * of the feature store, so that one ONNX input (the online vector's rows) serves each:
 * - gbdt: libs/ml's gradient-boosted trees, early-stopped on the rows of a held-out anchor, then
 *   refitted on every row with the chosen number of trees (the global forecaster's recipe in
 *   libs/ml/src/forecast, here on the feature store's point-in-time rows);
 * - seasonal-naive / moving-average: a feature column (the same-phase lag a season back, or a
 *   rolling mean), the next column where it is missing, 0 where all are. Exported as Gather,
 *   IsNaN and Where.
 * Quantiles of every family: conformal, the empirical quantiles of held-out scaled residuals per
 * horizon (the pooled residuals where a horizon has fewer than 30).
 */
import {
  ONNX_INPUT_NAME,
  ONNX_OUTPUT_NAME,
  OnnxGraphBuilder,
  exportTreesToOnnx,
  trainGbdtInThread,
  weightedQuantile,
  type DatasetInput,
  type FeatureMatrix,
  type GbdtModel,
  type LossConfig,
  type TrainParams,
} from '@shelfcast/ml';

import type { RowStore } from './dataset';
import { checkpoint } from './control';
import { InvalidSpecError, PipelineCancelled } from './errors';
import type { Family, GbdtHyperParameters } from './hyper-parameters';
import { columnFallbacks, fitAnchors, type RunPlan } from './plan';

/** Residuals a horizon needs before its own quantiles are trusted over the pooled ones. */
const MIN_RESIDUALS_PER_HORIZON = 30;

export interface FittedModel {
  readonly family: Family;
  readonly numFeatures: number;
  /** Scaled predictions (value / series scale). */
  predictScaled(m: FeatureMatrix): Float64Array;
  exportOnnx(metadata: Record<string, string>): Uint8Array;
  /** What the fit chose (trees, best iteration, columns), for logs and tags. */
  readonly info: Record<string, number | string>;
}

export interface CalibratedFit {
  model: FittedModel;
  /** Conformal residual quantiles in scaled units: [level][h - 1]. */
  residualQuantiles: number[][];
  trainRows: number;
  calibrationRows: number;
}

export interface FitRows {
  /** Rows the first (early-stopped) fit learns from: targets before the calibration block. */
  train: number[];
  /** Rows of the calibration anchor with targets in the last `horizon` periods before the cutoff. */
  calibration: number[];
  /** Every labelled row with a target before the cutoff (the refit). */
  all: number[];
}

/** The rows of a fit whose first unseen period is `cutoff`. */
export function selectFitRows(plan: RunPlan, rows: RowStore, cutoff: number): FitRows {
  const anchors = fitAnchors(plan, cutoff);
  const split = cutoff - plan.horizon;
  const out: FitRows = { train: [], calibration: [], all: [] };
  const ordered = [...new Set([...anchors.train, anchors.calibration])].sort((a, b) => a - b);
  for (const t of ordered) {
    for (const r of rows.rowsAt(t)) {
      if (!rows.labelled(r)) continue;
      const p = t + rows.horizon[r];
      if (p >= cutoff || p < plan.firstTarget) continue;
      out.all.push(r);
      if (t === anchors.calibration && p >= split) out.calibration.push(r);
      else if (p < split) out.train.push(r);
    }
  }
  return out;
}

function scaledTargets(rows: RowStore, idx: readonly number[]): Float64Array {
  return Float64Array.from(idx, (r) => rows.target[r] / rows.scale[r]);
}

/** Conformal residual quantiles per level and horizon from scaled residuals of rows. */
export function residualQuantiles(
  residuals: ArrayLike<number>,
  horizons: ArrayLike<number>,
  levels: readonly number[],
  horizon: number,
): number[][] {
  const byH: number[][] = Array.from({ length: horizon }, () => []);
  for (let i = 0; i < residuals.length; i++) byH[horizons[i] - 1]?.push(residuals[i]);
  const pooled = Float64Array.from(residuals);
  return levels.map((q) =>
    byH.map((list) =>
      list.length >= MIN_RESIDUALS_PER_HORIZON
        ? weightedQuantile(Float64Array.from(list), q)
        : weightedQuantile(pooled.slice(), q),
    ),
  );
}

function residualsOf(model: FittedModel, rows: RowStore, idx: readonly number[], plan: RunPlan): number[][] {
  if (idx.length === 0) return plan.levels.map(() => new Array<number>(plan.horizon).fill(0));
  const pred = model.predictScaled(rows.matrix(idx));
  const y = scaledTargets(rows, idx);
  const e = Float64Array.from(idx, (_, i) => y[i] - pred[i]);
  return residualQuantiles(
    e,
    Int32Array.from(idx, (r) => rows.horizon[r]),
    plan.levels,
    plan.horizon,
  );
}

class GbdtForecastModel implements FittedModel {
  readonly family = 'gbdt' as const;
  readonly info: Record<string, number | string>;

  constructor(readonly model: GbdtModel) {
    this.info = { trees: model.trees.length, bestIteration: model.bestIteration };
  }

  get numFeatures(): number {
    return this.model.numFeatures;
  }

  predictScaled(m: FeatureMatrix): Float64Array {
    return this.model.predict(m);
  }

  exportOnnx(metadata: Record<string, string>): Uint8Array {
    return exportTreesToOnnx(this.model, { graphName: 'shelfcast_gbdt', metadata });
  }
}

/** A feature column with fallbacks: the first non-missing of `columns`, else 0. */
export class ColumnModel implements FittedModel {
  readonly info: Record<string, number | string>;

  constructor(
    readonly family: Family,
    readonly numFeatures: number,
    private readonly columns: readonly number[],
    names: readonly string[],
  ) {
    this.info = { columns: names.join(',') };
  }

  predictScaled(m: FeatureMatrix): Float64Array {
    const out = new Float64Array(m.numRows);
    const nf = m.numFeatures;
    for (let r = 0; r < m.numRows; r++) {
      let v = 0;
      for (const c of this.columns) {
        const x = m.layout === 'column-major' ? m.data[c * m.numRows + r] : m.data[r * nf + c];
        if (!Number.isNaN(x)) {
          v = x;
          break;
        }
      }
      out[r] = v;
    }
    return out;
  }

  exportOnnx(metadata: Record<string, string>): Uint8Array {
    const g = new OnnxGraphBuilder(`shelfcast_${this.family.replace(/-/g, '_')}`);
    const x = g.input(ONNX_INPUT_NAME, 'float', ['N', this.numFeatures]);
    let acc = g.initializer('zero', 'float', [1, 1], [0]);
    // From the last fallback to the first: acc = isnan(column) ? acc : column.
    this.columns.forEach((c, k) => {
      const j = this.columns.length - 1 - k;
      const col = this.columns[j];
      const index = g.initializer(`column_${col}`, 'int64', [1], [col]);
      const [v] = g.node('Gather', [x, index], [`value_${col}`], { axis: { kind: 'int', value: 1 } });
      const [missing] = g.node('IsNaN', [v], [`missing_${col}`]);
      [acc] = g.node('Where', [missing, acc, v], [j === 0 ? ONNX_OUTPUT_NAME : `fallback_${col}`]);
    });
    if (this.columns.length === 0) [acc] = g.node('Identity', [acc], [ONNX_OUTPUT_NAME]);
    g.output(acc, 'float', ['N', 1]);
    return g.serialize({
      producerName: 'shelfcast-trainer',
      opsets: { '': 17 },
      irVersion: 8,
      docString: `${this.family}: ${this.info.columns}`,
      metadata: { 'shelfcast.model_type': this.family, ...metadata },
    });
  }
}

function lossOf(p: GbdtHyperParameters): LossConfig {
  switch (p.loss) {
    case 'l2':
      return { type: 'l2' };
    case 'poisson':
      return { type: 'poisson' };
    case 'tweedie':
      return { type: 'tweedie', variancePower: p.tweedieVariancePower };
  }
}

export interface FitControl {
  signal: AbortSignal;
  /** Fraction of this fit done. */
  progress(fraction: number): void;
  stage: string;
}

async function fitGbdt(
  plan: RunPlan,
  p: GbdtHyperParameters,
  rows: RowStore,
  sel: FitRows,
  control: FitControl,
): Promise<CalibratedFit> {
  const fs = plan.featureSet;
  const dataset = (idx: readonly number[]): DatasetInput => ({
    ...rows.matrix(idx),
    featureNames: [...fs.names],
    categoricalFeatures: [...fs.categoricalIndices],
    target: scaledTargets(rows, idx),
    weights: p.scaleWeight ? Float64Array.from(idx, (r) => rows.scale[r]) : undefined,
  });
  const base = (trees: number): TrainParams => ({
    loss: lossOf(p),
    numTrees: trees,
    learningRate: p.learningRate,
    growPolicy: p.growPolicy,
    maxLeaves: p.maxLeaves,
    maxDepth: p.maxDepth,
    minDataInLeaf: p.minDataInLeaf,
    minChildWeight: p.minChildWeight,
    lambda: p.lambda,
    minSplitGain: p.minSplitGain,
    subsample: p.subsample,
    colsampleByTree: p.colsampleByTree,
    maxBin: p.maxBin,
    numThreads: p.numThreads,
    seed: p.seed,
  });
  // Each fit runs on a worker thread (the service's event loop stays free: lock renewal, health,
  // cancellation); an abort terminates the thread.
  const fit = async (data: DatasetInput, params: TrainParams, phase: number, phases: number): Promise<GbdtModel> => {
    const trees = params.numTrees ?? p.numTrees;
    try {
      return await trainGbdtInThread(data, params, {
        signal: control.signal,
        onIteration: (info) => control.progress((phase + (info.iteration + 1) / trees) / phases),
      });
    } catch (e) {
      if (control.signal.aborted) throw new PipelineCancelled(control.stage);
      throw e;
    }
  };
  let model: GbdtModel;
  let quantiles: number[][];
  if (sel.train.length > 0 && sel.calibration.length > 0) {
    const calibration = dataset(sel.calibration);
    const first = await fit(
      dataset(sel.train),
      { ...base(p.numTrees), validation: calibration, earlyStoppingRounds: p.earlyStoppingRounds },
      0,
      2,
    );
    quantiles = residualsOf(new GbdtForecastModel(first), rows, sel.calibration, plan);
    await checkpoint(control.signal, control.stage);
    model = await fit(dataset(sel.all), base(first.bestIteration + 1), 1, 2);
  } else {
    // Too little history for a held-out block: one fit on every row, in-sample residuals.
    model = await fit(dataset(sel.all), base(p.numTrees), 0, 1);
    await checkpoint(control.signal, control.stage);
    quantiles = residualsOf(new GbdtForecastModel(model), rows, sel.all, plan);
  }
  await checkpoint(control.signal, control.stage);
  return {
    model: new GbdtForecastModel(model),
    residualQuantiles: quantiles,
    trainRows: sel.all.length,
    calibrationRows: sel.calibration.length,
  };
}

/** The column model of a family, its columns found by name in the feature set. */
export function columnModel(plan: RunPlan): ColumnModel {
  const fs = plan.featureSet;
  const names = columnFallbacks(plan);
  const columns = names.map((n) => {
    const i = fs.names.indexOf(n);
    if (i < 0) throw new InvalidSpecError(`feature set ${fs.fingerprint} has no column ${n} for family ${plan.family}`);
    return i;
  });
  return new ColumnModel(plan.family, fs.numFeatures, columns, names);
}

/**
 * Fits the plan's family on the rows with targets before `cutoff` (the first period it forecasts).
 * Throws InvalidSpecError when no row qualifies, PipelineCancelled when the signal fires.
 */
export async function fitFamily(
  plan: RunPlan,
  rows: RowStore,
  cutoff: number,
  control: FitControl,
): Promise<CalibratedFit> {
  const sel = selectFitRows(plan, rows, cutoff);
  if (sel.all.length === 0)
    throw new InvalidSpecError(
      `no labelled rows to train on before ${plan.featureSet.spec.grid.frequency} period ${cutoff} (training window ${plan.fromDate ?? 'start'}..${plan.toDate}): the selected series have no history there`,
    );
  const h = plan.hyper;
  if (h.family === 'gbdt') return fitGbdt(plan, h.params, rows, sel, control);
  const model = columnModel(plan);
  control.progress(1);
  return {
    model,
    residualQuantiles: residualsOf(model, rows, sel.all, plan),
    trainRows: 0,
    calibrationRows: sel.all.length,
  };
}
