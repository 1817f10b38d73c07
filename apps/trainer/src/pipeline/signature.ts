/**
 * What inference must feed a version's ONNX model and how it turns the output into forecasts.
 *
 * Input: `features`, float32 [N, F]: one row per (series, horizon h), the columns of the feature
 * store's online vector in the same order (`features` lists them; `featureSet` is the fingerprint
 * the online store keys its vectors by). The online store keeps, per series, the rows of horizons
 * 1..(its horizon) as float32, row h - 1 for horizon h: feed the first `horizon` rows as they are.
 * Output: `prediction`, float32 [N, 1], in scaled units (value / series scale).
 * Point: value(h) = prediction(h) x scale, `scale` being the vector header's series scale.
 * Quantiles: q(level, h) = scale x (prediction(h) + residualQuantiles[level][h - 1]), then sorted
 * across levels at each h (non-crossing). No clamping.
 */
import type { ModelSignature } from '@shelfcast/contracts';
import type { FeatureStoreSettings } from '@shelfcast/feature-store';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from '@shelfcast/ml';

import { InvalidSpecError } from './errors';
import type { RunPlan } from './plan';
import type { SeriesForecastOut } from './types';

export const POSTPROCESS_METHOD = 'conformal-scaled';

export interface Postprocess {
  method: typeof POSTPROCESS_METHOD;
  levels: number[];
  /** [level][h - 1], scaled units. */
  residualQuantiles: number[][];
}

export function buildSignature(plan: RunPlan, settings: FeatureStoreSettings, residuals: number[][]): ModelSignature {
  const fs = plan.featureSet;
  return {
    inputs: [{ name: ONNX_INPUT_NAME, type: 'float32', shape: [null, fs.numFeatures] }],
    outputs: [{ name: ONNX_OUTPUT_NAME, type: 'float32', shape: [null, 1] }],
    featureSet: fs.fingerprint,
    features: [...fs.names],
    frequency: plan.frequency,
    horizon: plan.horizon,
    quantiles: [...plan.levels],
    target: {
      transform: 'scaled',
      measure: plan.measure,
      output: `${ONNX_OUTPUT_NAME}[r, 0] = value / scale of row r`,
      scale:
        "the series scale at the anchor: the online vector header's `scale` (the feature set's mean absolute value over its scale window)",
      point: 'value(h) = prediction(h) * scale',
      rows: `one row per horizon h = 1..${plan.horizon}: row h - 1 of the online vector (fv:${fs.fingerprint}:<storeId>|<sku>), columns exactly \`features\`; the store keeps rows 1..${settings.horizon}, feed the first ${plan.horizon}`,
      periods: "row h forecasts the period h after the vector's anchor (its header `asOf` is the anchor's last day)",
      onlineStore: {
        featureSet: fs.fingerprint,
        measure: settings.measure,
        horizon: settings.horizon,
        numFeatures: fs.numFeatures,
      },
    },
    postprocess: {
      method: POSTPROCESS_METHOD,
      levels: [...plan.levels],
      residualQuantiles: residuals.map((r) => [...r]),
      quantile:
        "q(level, h) = scale * (prediction(h) + residualQuantiles[level][h - 1]); then sort the levels' values at each h (non-crossing)",
      clamp: 'none',
    } satisfies Postprocess & Record<string, unknown>,
  };
}

/** The post-processing of a registered signature (throws InvalidSpecError when it is not one this pipeline wrote). */
export function readPostprocess(signature: ModelSignature): Postprocess {
  const p = signature.postprocess as Partial<Postprocess>;
  const H = signature.horizon;
  const ok =
    p.method === POSTPROCESS_METHOD &&
    Array.isArray(p.levels) &&
    Array.isArray(p.residualQuantiles) &&
    p.residualQuantiles.length === p.levels.length &&
    p.residualQuantiles.every((r) => Array.isArray(r) && r.length === H && r.every((x) => typeof x === 'number'));
  if (!ok) throw new InvalidSpecError(`the model's signature has no ${POSTPROCESS_METHOD} post-processing`);
  return {
    method: POSTPROCESS_METHOD,
    levels: p.levels as number[],
    residualQuantiles: p.residualQuantiles as number[][],
  };
}

/**
 * Forecasts of one series from scaled predictions `scaled[offset + h - 1]`, h = 1..horizon, and its scale.
 * Quantile levels are those of `levels` (a subset of the postprocess's, in its order).
 */
export function applyPostprocess(
  pp: Postprocess,
  scaled: ArrayLike<number>,
  offset: number,
  horizon: number,
  scale: number,
  levels: readonly number[] = pp.levels,
): SeriesForecastOut {
  const point = Array.from({ length: horizon }, (_, h) => scaled[offset + h] * scale);
  const rows = levels.map((q) => {
    const i = pp.levels.findIndex((l) => Math.abs(l - q) < 1e-12);
    if (i < 0) throw new InvalidSpecError(`quantile ${q} is not among the model's levels (${pp.levels.join(', ')})`);
    return pp.residualQuantiles[i];
  });
  const quantiles = rows.map((rq) => point.map((_, h) => scale * (scaled[offset + h] + rq[h])));
  for (let h = 0; h < horizon; h++) {
    const sorted = quantiles.map((q) => q[h]).sort((a, b) => a - b);
    quantiles.forEach((q, i) => (q[h] = sorted[i]));
  }
  return { point, quantiles };
}
