/**
 * The offline store: point-in-time training sets. For each cutoff D and each series, the rows of
 * horizons 1..H anchored at the last period complete by D, with features computed only from the
 * events known at D: business date on or before D, and arrived on or before the knowledge bound
 * (by default the end of D, UTC), so a late correction cannot leak into a backtest that cut off
 * before it arrived. Labels (what each target period turned out to be) come from the latest
 * aggregates and are NaN for periods not yet complete. Rows stream in chunks: memory holds one
 * chunk of series, whatever the number of rows.
 */
import {
  dayOf,
  historyDays,
  lastCompletePeriod,
  periodSpan,
  seriesFromHistory,
  type FeatureSet,
  type Measure,
  type SeriesHistory,
} from '@shelfcast/features-core';
import type { Pool } from 'pg';

import {
  historiesAt,
  loadContextRecords,
  loadOnlineHistories,
  streamOfflineDays,
  type KnowledgeScope,
  type SeriesRef,
} from './history';
import { readWatermark } from './refresh';
import { asOfDate, computeVectors } from './vectors';

export type KnowledgeBound = 'cutoff' | 'latest' | Date;

export interface TrainingSetOptions {
  featureSet: FeatureSet;
  measure: Measure;
  /** Horizons 1..horizon per series and cutoff. */
  horizon: number;
  /** Cutoff dates (`YYYY-MM-DD`), each a point in time. */
  cutoffs: readonly string[];
  /**
   * Which arrivals count as known: 'cutoff' (default) those by the end of the cutoff day (UTC);
   * 'latest' every arrival so far (for history loaded after the fact, e.g. an import of old data);
   * a Date: those by then.
   */
  knownAt?: KnowledgeBound;
  /** Series per chunk (rows = series x horizon). Default 500. */
  chunkSeries?: number;
  onlySeries?: readonly SeriesRef[];
  /** Attach labels from the latest aggregates. Default true. */
  labels?: boolean;
}

export interface TrainingChunk {
  cutoff: string;
  anchor: number;
  /** Last day of the anchor period. */
  asOf: string;
  horizon: number;
  numFeatures: number;
  featureNames: readonly string[];
  /** The chunk's series; row r is series floor(r / horizon) at horizon (r % horizon) + 1. */
  series: SeriesRef[];
  /** Row-major float32 features, series.length x horizon rows. */
  features: Float32Array;
  /** Series scale at the anchor, per series. */
  scale: Float64Array;
  /** Realised value of each row's target period; NaN while unknown (not complete, or before the series began). */
  target: Float64Array;
  /** 1 where the target period was out of stock (its demand is unknown). */
  censored: Uint8Array;
}

export function knowledgeScope(cutoff: string, bound: KnowledgeBound): KnowledgeScope {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(cutoff)) throw new Error(`cutoff ${cutoff} is not a YYYY-MM-DD date`);
  dayOf(cutoff);
  if (bound === 'latest') return { cutoff, knownAt: null };
  if (bound === 'cutoff') return { cutoff, knownAt: new Date(`${cutoff}T23:59:59.999Z`) };
  return { cutoff, knownAt: bound };
}

/** The training chunk of some histories at an anchor: their vectors for horizons 1..H, no labels yet. */
export function trainingChunk(
  fs: FeatureSet,
  histories: readonly SeriesHistory[],
  cutoff: string,
  anchor: number,
  horizon: number,
  measure: Measure,
): TrainingChunk {
  const vectors = computeVectors(fs, histories, anchor, horizon, measure);
  const nf = fs.numFeatures;
  const features = new Float32Array(vectors.length * horizon * nf);
  const scale = new Float64Array(vectors.length);
  vectors.forEach((v, k) => {
    features.set(v.values, k * horizon * nf);
    scale[k] = v.scale;
  });
  return {
    cutoff,
    anchor,
    asOf: asOfDate(fs, anchor),
    horizon,
    numFeatures: nf,
    featureNames: fs.names,
    series: vectors.map((v) => ({ storeId: v.storeId, sku: v.sku })),
    features,
    scale,
    target: new Float64Array(vectors.length * horizon).fill(NaN),
    censored: new Uint8Array(vectors.length * horizon),
  };
}

/** Fills a chunk's labels from the latest aggregates (periods complete by the watermark). */
async function attachLabels(
  pool: Pool,
  fs: FeatureSet,
  chunk: TrainingChunk,
  measure: Measure,
  lastKnownDay: number,
): Promise<void> {
  const { anchor, horizon, series: refs, target, censored } = chunk;
  const grid = fs.spec.grid;
  const from = periodSpan(grid, anchor + 1).first;
  const to = periodSpan(grid, anchor + horizon).last;
  const later = await loadOnlineHistories(pool, refs, { cutoff: '9999-12-31', knownAt: null }, from, to);
  const byKey = new Map(later.map((h) => [`${h.storeId}|${h.sku}`, h]));
  refs.forEach((r, k) => {
    const h = byKey.get(`${r.storeId}|${r.sku}`);
    if (!h) return;
    const s = seriesFromHistory(fs, h, anchor + horizon, 0, measure);
    const n = s.values.length;
    for (let step = 1; step <= horizon; step++) {
      if (periodSpan(grid, anchor + step).last > lastKnownDay) continue;
      const i = n - horizon + step - 1;
      target[k * horizon + step - 1] = s.values[i];
      censored[k * horizon + step - 1] = s.inStock && s.inStock[i] === 0 ? 1 : 0;
    }
  });
}

/**
 * Chunks of series, each at every cutoff in turn (cutoffs in the order given within a chunk).
 * Cutoffs that share an arrival bound (all of them, unless the bound is 'cutoff') share one read of
 * the raw events: the days are read once at the latest of them and cut back to each, which is
 * exactly what a read at that cutoff returns (see `historiesAt`).
 */
export async function* buildTrainingSet(pool: Pool, options: TrainingSetOptions): AsyncGenerator<TrainingChunk> {
  const { featureSet: fs, measure, horizon } = options;
  if (!(Number.isInteger(horizon) && horizon >= 1)) throw new Error(`horizon must be an integer >= 1, got ${horizon}`);
  const grid = fs.spec.grid;
  const watermark = await readWatermark(pool);
  const lastKnownDay = watermark === null ? -Infinity : dayOf(watermark);
  const points = options.cutoffs.map((cutoff) => {
    const scope = knowledgeScope(cutoff, options.knownAt ?? 'cutoff');
    const anchor = lastCompletePeriod(grid, dayOf(cutoff));
    return { cutoff, scope, anchor, fromDay: historyDays(fs, anchor, horizon).first };
  });
  const groups = new Map<string, typeof points>();
  for (const p of points) {
    const key = p.scope.knownAt?.toISOString() ?? 'latest';
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const group of groups.values()) {
    const last = group.reduce((a, b) => (b.scope.cutoff > a.scope.cutoff ? b : a));
    const fromDay = Math.min(...group.map((p) => p.fromDay));
    for await (const days of streamOfflineDays(pool, last.scope, fromDay, {
      chunkSeries: options.chunkSeries,
      onlySeries: options.onlySeries,
    })) {
      const records = await loadContextRecords(pool, days, last.scope);
      for (const p of group) {
        const histories = await historiesAt(pool, days, p.scope, p.fromDay, records);
        if (histories.length === 0) continue;
        const chunk = trainingChunk(fs, histories, p.cutoff, p.anchor, horizon, measure);
        if (options.labels !== false) await attachLabels(pool, fs, chunk, measure, lastKnownDay);
        yield chunk;
      }
    }
  }
}
