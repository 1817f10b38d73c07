/**
 * Feature vectors of series at an anchor: the rows for horizons 1..H that a model scores, built
 * by the one feature definition from the one history assembly. Used online and offline alike.
 */
import {
  formatDate,
  periodSpan,
  seriesFromHistory,
  type FeatureSet,
  type Measure,
  type SeriesHistory,
} from '@shelfcast/features-core';

export interface SeriesVectors {
  storeId: string;
  sku: string;
  /** Anchor period (the last complete period known). */
  anchor: number;
  /** Last day of the anchor period (`YYYY-MM-DD`). */
  asOf: string;
  /** Series scale at the anchor: a model's feature-space prediction times this is the forecast. */
  scale: number;
  horizon: number;
  numFeatures: number;
  /** Row-major: the row of horizon h starts at (h - 1) x numFeatures. */
  values: Float32Array;
}

/** Throws for feature sets the per-series store cannot serve (group features need every series at once). */
export function assertServable(featureSet: FeatureSet): void {
  if (featureSet.spec.groups.length > 0)
    throw new Error(
      `feature set ${featureSet.fingerprint} has group features; the feature store computes series one chunk at a time and cannot serve them`,
    );
}

export function asOfDate(featureSet: FeatureSet, anchor: number): string {
  return formatDate(periodSpan(featureSet.spec.grid, anchor).last * 86_400_000);
}

export function computeVectors(
  featureSet: FeatureSet,
  histories: readonly SeriesHistory[],
  anchor: number,
  horizon: number,
  measure: Measure,
): SeriesVectors[] {
  assertServable(featureSet);
  if (histories.length === 0) return [];
  const series = histories.map((h) => seriesFromHistory(featureSet, h, anchor, horizon, measure));
  const frame = featureSet.frame(series);
  const nf = featureSet.numFeatures;
  const asOf = asOfDate(featureSet, anchor);
  return histories.map((h, k) => {
    const values = new Float32Array(horizon * nf);
    for (let step = 1; step <= horizon; step++) frame.fillRow(k, anchor, step, values, (step - 1) * nf);
    return {
      storeId: h.storeId,
      sku: h.sku,
      anchor,
      asOf,
      scale: frame.scale(k, anchor),
      horizon,
      numFeatures: nf,
      values,
    };
  });
}
