/**
 * The run's point-in-time dataset: the feature store's training rows (`trainingChunk`) at every
 * anchor the plan needs, from one read of the raw events (`streamOfflineDays`, a chunk of series at
 * a time) cut back to each anchor's cutoff under the run's arrival bound (`historiesAt`): every
 * anchor sees exactly what a read at its own cutoff would, and PostgreSQL aggregates the events once
 * per run instead of once per anchor. Only the rows some fit or forecast uses are kept (labelled
 * rows of training anchors up to the last target period, every row of a forecast anchor), in flat
 * typed arrays. The content hash covers exactly the rows kept.
 *
 * Labels (and the backtest's actuals) come from the same read, cut at the last target period,
 * through the same assembly as the features, not from the latest aggregates: a run is reproducible
 * from its cutoff and arrival bound.
 */
import {
  asOfDate,
  historiesAt,
  knowledgeScope,
  loadContextRecords,
  refKey,
  streamOfflineDays,
  trainingChunk,
  type OfflineSource,
  type SeriesDays,
  type SeriesRef,
  type TrainingChunk,
} from '@shelfcast/feature-store';
import { historyDays, seriesFromHistory } from '@shelfcast/features-core';
import type { FeatureMatrix } from '@shelfcast/ml';
import type { Pool } from 'pg';

import { MultisetHash, RowEncoder } from './content-hash';
import { checkpoint, throwIfCancelled } from './control';
import { InvalidSpecError } from './errors';
import type { AnchorPlan, RunPlan } from './plan';

/** Rows of the dataset: row r is series `keys[series[r]]` at anchor `anchor[r]`, horizon `horizon[r]`. */
export class RowStore {
  count = 0;
  features = new Float32Array(0);
  series = new Int32Array(0);
  anchor = new Int32Array(0);
  horizon = new Int32Array(0);
  /** Realised value of the target period (NaN while unknown). */
  target = new Float64Array(0);
  /** 1 when the target period was out of stock. */
  censored = new Uint8Array(0);
  /** Series scale at the anchor. */
  scale = new Float64Array(0);
  readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  private readonly byAnchor = new Map<number, number[]>();

  constructor(readonly numFeatures: number) {}

  private capacity = 0;

  /** Doubles every array (a copy of the rows so far into arrays twice as long). */
  private grow(): void {
    const cap = Math.max(1024, this.capacity * 2);
    const larger = <T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
      width = 1,
    ): T => {
      const b = make(cap * width);
      b.set(a);
      return b;
    };
    this.features = larger(this.features, (n) => new Float32Array(n), this.numFeatures);
    this.series = larger(this.series, (n) => new Int32Array(n));
    this.anchor = larger(this.anchor, (n) => new Int32Array(n));
    this.horizon = larger(this.horizon, (n) => new Int32Array(n));
    this.target = larger(this.target, (n) => new Float64Array(n));
    this.censored = larger(this.censored, (n) => new Uint8Array(n));
    this.scale = larger(this.scale, (n) => new Float64Array(n));
    this.capacity = cap;
  }

  seriesIndex(ref: SeriesRef): number {
    const key = refKey(ref);
    let i = this.keyIndex.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.keys.push(key);
      this.keyIndex.set(key, i);
    }
    return i;
  }

  push(
    series: number,
    anchor: number,
    horizon: number,
    features: Float32Array,
    offset: number,
    target: number,
    censored: number,
    scale: number,
  ): number {
    if (this.count === this.capacity) this.grow();
    const r = this.count++;
    this.features.set(features.subarray(offset, offset + this.numFeatures), r * this.numFeatures);
    this.series[r] = series;
    this.anchor[r] = anchor;
    this.horizon[r] = horizon;
    this.target[r] = target;
    this.censored[r] = censored;
    this.scale[r] = scale;
    let list = this.byAnchor.get(anchor);
    if (!list) this.byAnchor.set(anchor, (list = []));
    list.push(r);
    return r;
  }

  /** Rows at an anchor, in the order read (series in key order, horizons ascending). */
  rowsAt(anchor: number): readonly number[] {
    return this.byAnchor.get(anchor) ?? [];
  }

  /** Whether a row's target is known and uncensored (it can train or score). */
  labelled(r: number): boolean {
    return !Number.isNaN(this.target[r]) && this.censored[r] === 0;
  }

  /** A row-major copy of some rows. */
  matrix(rows: ArrayLike<number>): FeatureMatrix {
    const nf = this.numFeatures;
    const data = new Float32Array(rows.length * nf);
    for (let i = 0; i < rows.length; i++) data.set(this.features.subarray(rows[i] * nf, (rows[i] + 1) * nf), i * nf);
    return { data, numRows: rows.length, numFeatures: nf, layout: 'row-major' };
  }

  /** Series with at least one row. */
  get numSeries(): number {
    return this.keys.length;
  }
}

/** A series' values (sums of the measure per period) and stock state, periods start .. end. */
export interface SeriesActuals {
  start: number;
  /** NaN before the series' first day. */
  values: Float64Array;
  /** 1 where the period had an out-of-stock day (its demand is unknown). */
  censored: Uint8Array;
}

/** The realised value of a series at period p (NaN when unknown) and whether it was censored. */
function labelOf(a: SeriesActuals | undefined, p: number): { target: number; censored: number } {
  const i = a ? p - a.start : -1;
  if (!a || i < 0 || i >= a.values.length) return { target: NaN, censored: 0 };
  return { target: a.values[i], censored: a.censored[i] };
}

export interface Dataset {
  rows: RowStore;
  contentHash: string;
  /** Actuals of the selected series through `anchors.lastTarget` (labels and backtest actuals). */
  actuals: Map<string, SeriesActuals>;
  /** Where the daily measures came from (see streamOfflineDays). */
  source: OfflineSource | null;
}

export interface DatasetOptions {
  pool: Pool;
  plan: RunPlan;
  anchors: AnchorPlan;
  /** Series to read; undefined: every series. */
  series: readonly SeriesRef[] | undefined;
  /** Keys of the series to keep (a series read but not selected is skipped). */
  selected: ReadonlySet<string>;
  /** Arrival bound; null: every arrival. */
  knownAt: Date | null;
  signal: AbortSignal;
  /** Fraction of the selected series read. */
  progress(fraction: number): void;
  chunkSeries?: number;
  /** Rows the dataset may hold; past it the read stops with InvalidSpecError. */
  maxRows?: number;
}

/**
 * Reads the dataset a chunk of series at a time: the chunk's actuals through the last target
 * period, then its rows at every anchor. Throws PipelineCancelled between chunks once the signal
 * fires. Rows of one anchor stay in series order, so fits see the same rows in the same order; the
 * content hash does not depend on the order at all.
 */
export async function loadDataset(o: DatasetOptions): Promise<Dataset> {
  const { plan, anchors } = o;
  const fs = plan.featureSet;
  const H = plan.horizon;
  const bound = o.knownAt ?? 'latest';
  const rows = new RowStore(fs.numFeatures);
  const hash = new MultisetHash();
  const encoder = new RowEncoder();
  const actuals = new Map<string, SeriesActuals>();

  const end = anchors.lastTarget;
  const endScope = knowledgeScope(asOfDate(fs, Math.max(end, ...anchors.all)), bound);
  const actualsFrom = historyDays(fs, end, 0).first;
  const points = anchors.all.map((anchor) => ({
    anchor,
    scope: knowledgeScope(asOfDate(fs, anchor), bound),
    fromDay: historyDays(fs, anchor, H).first,
  }));
  const fromDay = Math.min(actualsFrom, ...points.map((p) => p.fromDay));

  const take = (chunk: TrainingChunk): void => {
    const t = chunk.anchor;
    const isForecast = anchors.forecast.has(t);
    const isTraining = anchors.training.has(t);
    const nf = chunk.numFeatures;
    chunk.series.forEach((ref, k) => {
      const key = refKey(ref);
      const series = actuals.get(key);
      let s = -1;
      for (let h = 1; h <= H; h++) {
        const i = k * H + h - 1;
        const p = t + h;
        const { target, censored } = p <= end ? labelOf(series, p) : { target: NaN, censored: 0 };
        const trains = isTraining && !Number.isNaN(target) && !censored && p >= plan.firstTarget;
        if (!isForecast && !trains) continue;
        if (s < 0) s = rows.seriesIndex(ref);
        rows.push(s, t, h, chunk.features, i * nf, target, censored, chunk.scale[k]);
        hash.add(
          encoder.encode({
            seriesKey: key,
            anchor: t,
            horizon: h,
            features: chunk.features,
            offset: i * nf,
            numFeatures: nf,
            target,
            censored,
            scale: chunk.scale[k],
          }),
        );
      }
    });
  };

  let done = 0;
  let source: OfflineSource | null = null;
  const reads = streamOfflineDays(o.pool, endScope, fromDay, {
    chunkSeries: o.chunkSeries ?? 500,
    onlySeries: o.series,
    signal: o.signal,
    onSource: (s) => (source = s),
  });
  // A cancellation interrupts the read's statement in PostgreSQL: it surfaces as PipelineCancelled.
  const cancellable = async function* (): AsyncGenerator<SeriesDays[]> {
    try {
      yield* reads;
    } catch (e) {
      throwIfCancelled(o.signal, 'dataset');
      throw e;
    }
  };
  for await (const read of cancellable()) {
    await checkpoint(o.signal, 'dataset');
    const days = read.filter((d) => o.selected.has(refKey(d)));
    // Prices, promotions and master data once per chunk, cut back to each anchor in memory.
    const records = await loadContextRecords(o.pool, days, endScope);
    for (const h of await historiesAt(o.pool, days, endScope, actualsFrom, records)) {
      const s = seriesFromHistory(fs, h, end, 0, plan.measure);
      const inStock = s.inStock;
      actuals.set(refKey(h), {
        start: s.start,
        values: Float64Array.from(s.values),
        censored: Uint8Array.from(s.values, (_, i) => (inStock && inStock[i] === 0 ? 1 : 0)),
      });
    }
    const total = Math.max(1, o.selected.size);
    for (const [i, p] of points.entries()) {
      await checkpoint(o.signal, 'dataset');
      const histories = await historiesAt(o.pool, days, p.scope, p.fromDay, records);
      if (histories.length > 0) take(trainingChunk(fs, histories, p.scope.cutoff, p.anchor, H, plan.measure));
      o.progress(Math.min(1, (done + (days.length * (i + 1)) / points.length) / total));
    }
    done += days.length;
    if (o.maxRows !== undefined && rows.count > o.maxRows)
      throw new InvalidSpecError(
        `the dataset passed ${o.maxRows.toLocaleString('en')} rows after ${done} of ${o.selected.size} series ` +
          `(${anchors.all.length} anchors x horizon ${H}): select fewer series (seriesFilter), fewer trainAnchors or ` +
          `backtest windows, split the run with retrain-all, or raise TRAINER_MAX_DATASET_ROWS`,
      );
  }
  await checkpoint(o.signal, 'dataset');
  return { rows, contentHash: hash.digest(`${fs.fingerprint}|${plan.measure}|h${H}`), actuals, source };
}
