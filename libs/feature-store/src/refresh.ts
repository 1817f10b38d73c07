/**
 * Keeps the online store in step with the aggregates. The consumer marks series dirty in the same
 * transaction as their aggregates, so a crash between the two loses nothing; this loop claims dirty
 * series a chunk at a time (SKIP LOCKED and a claim that expires: several instances share the work,
 * a dead one's chunk comes back), recomputes their vectors at the current anchor, writes them to
 * Redis, announces them, and clears exactly the marks it saw (a series marked again meanwhile keeps
 * its newer mark).
 *
 * The anchor is the last complete period as of the watermark (the latest business day seen). Each
 * series records the fingerprint and anchor of its vectors (`series.online_key`); when the anchor
 * moves to a new period, or the feature set changes, the series not refreshed since are stale and
 * are swept, a chunk at a time, whenever no dirty series is waiting. A backfill that moves the
 * anchor daily therefore recomputes the series it touches, not every series once per day. Marks
 * wait `delayMs` to coalesce bursts, unless the events have stopped (`settled`): then every mark
 * is due at once.
 */
import { dayOf, historyDays, lastCompletePeriod, type FeatureSet, type Measure } from '@shelfcast/features-core';
import type { Pool } from 'pg';

import { loadOnlineHistories, type SeriesRef } from './history';
import type { OnlineStore } from './online';
import { computeVectors } from './vectors';
import { WATERMARK_KEY } from './writer';

/** How long an empty stale sweep is trusted before the next scan, ms. */
const SWEEP_RESCAN_MS = 30_000;

export interface RefreshedChunk {
  featureSet: FeatureSet;
  asOf: string;
  series: SeriesRef[];
}

export interface OnlineRefresherOptions {
  measure: Measure;
  horizon: number;
  /** Series per chunk. Default 500. */
  chunkSeries?: number;
  /**
   * Wait after a series is first marked before refreshing it, ms (default 0): under a burst of
   * events a series is then recomputed once per delay, not once per batch.
   */
  delayMs?: number;
  /**
   * Whether the events have stopped coming for now (e.g. the consumer of this instance is idle):
   * marks are then due at once, as there is no burst left to coalesce. Default: never.
   */
  settled?: () => boolean;
  /** How long a claimed chunk stays with this refresher if it dies mid-way, ms. Default 60,000. */
  claimMs?: number;
  /**
   * Sweep stale series only once the anchor has stayed put this long, ms (default 0): during a
   * backfill that moves the anchor every few seconds, sweeping would recompute every series for
   * anchors that are about to pass.
   */
  sweepAfterMs?: number;
  /** Announces refreshed series (e.g. publishes shelfcast.features.updated.v1) before their marks clear. */
  announce?: (chunk: RefreshedChunk) => Promise<void>;
}

export interface RefreshResult {
  refreshed: number;
  /** Whether the chunk came from the stale sweep (anchor or feature set moved) rather than dirty marks. */
  sweep: boolean;
  anchor: number | null;
}

export async function readWatermark(pool: Pool): Promise<string | null> {
  const { rows } = await pool.query<{ value: string }>(
    `SELECT value #>> '{}' AS value FROM feature_state WHERE key = $1`,
    [WATERMARK_KEY],
  );
  return rows[0]?.value ?? null;
}

export async function countDirty(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM online_dirty`);
  return rows[0].n;
}

/** Series whose online vectors are not at `onlineKey` (the current fingerprint and anchor). */
export async function countStale(pool: Pool, onlineKey: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM series WHERE online_key IS DISTINCT FROM $1`,
    [onlineKey],
  );
  return rows[0].n;
}

/** `series.online_key` of vectors of a feature set, measure and horizon at an anchor. */
export function onlineKeyOf(featureSet: FeatureSet, measure: Measure, horizon: number, anchor: number): string {
  return `${featureSet.fingerprint}:${measure}:${horizon}@${anchor}`;
}

export interface PendingSeries {
  /** Series with events not yet in their online vectors. */
  dirty: number;
  /** Series whose vectors are at another anchor or feature set. */
  stale: number;
  /** The current anchor (null before the first event). */
  anchor: number | null;
}

export async function pendingSeries(
  pool: Pool,
  featureSet: FeatureSet,
  measure: Measure,
  horizon: number,
): Promise<PendingSeries> {
  const wm = await readWatermark(pool);
  const anchor = wm === null ? null : lastCompletePeriod(featureSet.spec.grid, dayOf(wm));
  const dirty = await countDirty(pool);
  const stale = anchor === null ? 0 : await countStale(pool, onlineKeyOf(featureSet, measure, horizon, anchor));
  return { dirty, stale, anchor };
}

/** Marks every known series dirty (e.g. after a rebuild); returns how many. */
export async function markAllDirty(db: Pool): Promise<number> {
  const r = await db.query(
    `INSERT INTO online_dirty AS o (store_id, sku) SELECT store_id, sku FROM series ORDER BY store_id, sku
     ON CONFLICT (store_id, sku) DO UPDATE SET version = nextval('online_dirty_version_seq')`,
  );
  return r.rowCount ?? 0;
}

export class OnlineRefresher {
  private readonly chunk: number;
  private readonly delayMs: number;
  private readonly claimMs: number;
  private readonly sweepAfterMs: number;
  private lastAnchor: number | null = null;
  private anchorSince = 0;
  /** When a sweep last found nothing stale (at `lastAnchor`): idle rounds skip the scan for a while. */
  private sweptEmptyAt = -Infinity;

  constructor(
    private readonly pool: Pool,
    private readonly store: OnlineStore,
    private readonly options: OnlineRefresherOptions,
  ) {
    this.chunk = options.chunkSeries ?? 500;
    this.delayMs = options.delayMs ?? 0;
    this.claimMs = options.claimMs ?? 60_000;
    this.sweepAfterMs = options.sweepAfterMs ?? 0;
  }

  get featureSet(): FeatureSet {
    return this.store.featureSet;
  }

  /** The anchor online vectors are computed at now (null before the first event). */
  async currentAnchor(): Promise<number | null> {
    const wm = await readWatermark(this.pool);
    return wm === null ? null : lastCompletePeriod(this.featureSet.spec.grid, dayOf(wm));
  }

  /** What `series.online_key` holds once a series' vectors are current at `anchor`. */
  onlineKey(anchor: number): string {
    return onlineKeyOf(this.featureSet, this.options.measure, this.options.horizon, anchor);
  }

  /** Series waiting: dirty, or stale at the current anchor. */
  pending(): Promise<PendingSeries> {
    return pendingSeries(this.pool, this.featureSet, this.options.measure, this.options.horizon);
  }

  /** How long after its first mark a dirty series is due now. */
  private dueAfterMs(): number {
    return this.options.settled?.() ? 0 : this.delayMs;
  }

  /** Refreshes one chunk: dirty series first, else stale ones. */
  async refreshOnce(): Promise<RefreshResult> {
    const watermark = await readWatermark(this.pool);
    if (watermark === null) return { refreshed: 0, sweep: false, anchor: null };
    const anchor = lastCompletePeriod(this.featureSet.spec.grid, dayOf(watermark));
    if (anchor !== this.lastAnchor) {
      this.lastAnchor = anchor;
      this.anchorSince = Date.now();
      this.sweptEmptyAt = -Infinity;
    }
    const key = this.onlineKey(anchor);
    // Claim a chunk in a short transaction: marks keep landing on these rows while they are
    // computed (the consumer never waits for a refresh), and another instance skips them.
    const { rows: claimed } = await this.pool.query<{ store_id: string; sku: string; version: string }>(
      `UPDATE online_dirty o SET claimed_until = now() + make_interval(secs => $3)
       FROM (SELECT store_id, sku FROM online_dirty
             WHERE (claimed_until IS NULL OR claimed_until < now()) AND marked_at <= now() - make_interval(secs => $2)
             ORDER BY version LIMIT $1 FOR UPDATE SKIP LOCKED) c
       WHERE o.store_id = c.store_id AND o.sku = c.sku
       RETURNING o.store_id, o.sku, o.version::text`,
      [this.chunk, this.dueAfterMs() / 1000, this.claimMs / 1000],
    );
    let sweep = false;
    let rows: Array<{ store_id: string; sku: string; version: string | null }> = claimed;
    if (rows.length === 0) {
      if (Date.now() - this.anchorSince < this.sweepAfterMs) return { refreshed: 0, sweep: false, anchor };
      // Stale series only appear when the anchor or the feature set moves (new series arrive
      // dirty), so after an empty sweep the scan waits; the pause also covers another
      // instance's chunk finishing at an older anchor.
      if (Date.now() - this.sweptEmptyAt < SWEEP_RESCAN_MS) return { refreshed: 0, sweep: false, anchor };
      // Nothing dirty is due: sweep series whose vectors are at another anchor or feature set.
      // Series with a mark (due later) are left to the dirty path.
      const stale = await this.pool.query<{ store_id: string; sku: string }>(
        `SELECT s.store_id, s.sku FROM series s
         WHERE s.online_key IS DISTINCT FROM $1
           AND NOT EXISTS (SELECT 1 FROM online_dirty o WHERE o.store_id = s.store_id AND o.sku = s.sku)
         LIMIT $2`,
        [key, this.chunk],
      );
      rows = stale.rows.map((r) => ({ ...r, version: null }));
      sweep = true;
      if (rows.length === 0) {
        this.sweptEmptyAt = Date.now();
        return { refreshed: 0, sweep, anchor };
      }
    }
    const stores = rows.map((r) => r.store_id);
    const skus = rows.map((r) => r.sku);
    try {
      const refs = rows.map((r) => ({ storeId: r.store_id, sku: r.sku }));
      const window = historyDays(this.featureSet, anchor, this.options.horizon);
      const histories = await loadOnlineHistories(
        this.pool,
        refs,
        { cutoff: watermark, knownAt: null },
        window.first,
        window.lastObserved,
      );
      const vectors = computeVectors(this.featureSet, histories, anchor, this.options.horizon, this.options.measure);
      await this.store.write(vectors);
      if (vectors.length > 0 && this.options.announce)
        await this.options.announce({ featureSet: this.featureSet, asOf: vectors[0].asOf, series: vectors });
      // Done: record the key the vectors are at, then clear the marks we saw (a series marked
      // again meanwhile waits for its next turn). Separate statements, rows locked in key order,
      // as the consumer's writes lock them: the two never wait for each other in a cycle.
      await this.pool.query(
        `UPDATE series s SET online_key = $3
         FROM (SELECT store_id, sku FROM series
               WHERE (store_id, sku) IN (SELECT * FROM unnest($1::text[], $2::text[]))
               ORDER BY store_id, sku FOR UPDATE) k
         WHERE s.store_id = k.store_id AND s.sku = k.sku`,
        [stores, skus, key],
      );
      if (!sweep)
        await this.pool.query(
          `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(store_id, sku, version)),
           locked AS (
             SELECT o.store_id, o.sku, o.version, k.version AS seen FROM online_dirty o JOIN k USING (store_id, sku)
             ORDER BY o.store_id, o.sku FOR UPDATE OF o
           ),
           done AS (
             DELETE FROM online_dirty o USING locked l
             WHERE o.store_id = l.store_id AND o.sku = l.sku AND l.version = l.seen
           )
           UPDATE online_dirty o SET claimed_until = NULL, marked_at = now() FROM locked l
           WHERE o.store_id = l.store_id AND o.sku = l.sku AND l.version <> l.seen`,
          [stores, skus, rows.map((r) => r.version)],
        );
      return { refreshed: vectors.length, sweep, anchor };
    } catch (e) {
      if (!sweep)
        await this.pool
          .query(
            `UPDATE online_dirty o SET claimed_until = NULL FROM unnest($1::text[], $2::text[]) AS k(store_id, sku)
             WHERE o.store_id = k.store_id AND o.sku = k.sku`,
            [stores, skus],
          )
          .catch(() => undefined);
      throw e;
    }
  }

  /** Refreshes until no series is dirty or stale; returns how many were refreshed. */
  async drain(onProgress?: (refreshed: number, left: number) => void): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.refreshOnce();
      total += r.refreshed;
      const left = await this.pending();
      if (onProgress) onProgress(total, left.dirty + left.stale);
      if (left.dirty + left.stale === 0) return total;
      if (r.refreshed === 0) await new Promise((res) => setTimeout(res, 50));
    }
  }
}
