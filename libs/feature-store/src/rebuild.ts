/**
 * Recomputes the daily aggregates of a range of business days from the raw events (e.g. after a
 * fix to the aggregation, or to check them), a chunk of series per transaction, and marks those
 * series so their online vectors are recomputed too. Safe while the consumer runs: a chunk's
 * series are locked while they are rebuilt, so a concurrent batch waits and then adds on top.
 */
import type { Pool } from 'pg';

import type { SeriesRef } from './history';
import { EVENT_TYPES } from './writer';

export interface RebuildOptions {
  /** First business day (`YYYY-MM-DD`); default: the beginning. */
  from?: string;
  /** Last business day; default: the end. */
  to?: string;
  /** Series per transaction. Default 1000. */
  chunkSeries?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RebuildResult {
  series: number;
  days: number;
}

const SALE_OR_INVENTORY = `type IN ('${EVENT_TYPES.sale}', '${EVENT_TYPES.inventory}')`;

export async function rebuildAggregates(pool: Pool, options: RebuildOptions = {}): Promise<RebuildResult> {
  const from = options.from ?? '0001-01-01';
  const to = options.to ?? '9999-12-31';
  for (const [name, d] of [
    ['from', from],
    ['to', to],
  ])
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`${name} ${d} is not a YYYY-MM-DD date`);
  if (from > to) throw new Error(`from ${from} is after to ${to}`);
  const chunk = options.chunkSeries ?? 1000;
  const { rows: all } = await pool.query<{ store_id: string; sku: string }>(
    `SELECT store_id, sku FROM retail_events WHERE ${SALE_OR_INVENTORY} AND business_date BETWEEN $1 AND $2
     UNION SELECT store_id, sku FROM series_daily WHERE day BETWEEN $1 AND $2
     ORDER BY 1, 2`,
    [from, to],
  );
  const refs: SeriesRef[] = all.map((r) => ({ storeId: r.store_id, sku: r.sku }));
  let days = 0;
  options.onProgress?.(0, refs.length);
  for (let i = 0; i < refs.length; i += chunk) {
    const part = refs.slice(i, i + chunk);
    const params = [part.map((r) => r.storeId), part.map((r) => r.sku), from, to];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `SELECT 1 FROM series s JOIN unnest($1::text[], $2::text[]) AS k(store_id, sku) USING (store_id, sku)
         ORDER BY s.store_id, s.sku FOR UPDATE OF s`,
        params.slice(0, 2),
      );
      await client.query(
        `DELETE FROM series_daily d USING unnest($1::text[], $2::text[]) AS k(store_id, sku)
         WHERE d.store_id = k.store_id AND d.sku = k.sku AND d.day BETWEEN $3 AND $4`,
        params,
      );
      const inserted = await client.query(
        `INSERT INTO series_daily (store_id, sku, day, units, returned_units, net_sales, sale_events, on_hand_min, snapshots)
         SELECT e.store_id, e.sku, e.business_date,
                coalesce(sum(quantity) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0),
                coalesce(-sum(quantity) FILTER (WHERE type = '${EVENT_TYPES.sale}' AND quantity < 0), 0),
                coalesce(sum(amount) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0),
                count(*) FILTER (WHERE type = '${EVENT_TYPES.sale}'),
                min(quantity) FILTER (WHERE type = '${EVENT_TYPES.inventory}'),
                count(*) FILTER (WHERE type = '${EVENT_TYPES.inventory}')
         FROM retail_events e JOIN unnest($1::text[], $2::text[]) AS k(store_id, sku)
           ON e.store_id = k.store_id AND e.sku = k.sku
         WHERE ${SALE_OR_INVENTORY} AND e.business_date BETWEEN $3 AND $4
         GROUP BY e.store_id, e.sku, e.business_date`,
        params,
      );
      days += inserted.rowCount ?? 0;
      await client.query(
        `WITH span AS (
           SELECT d.store_id, d.sku, min(d.day) AS first_day, max(d.day) AS last_day
           FROM series_daily d JOIN unnest($1::text[], $2::text[]) AS k(store_id, sku)
             ON d.store_id = k.store_id AND d.sku = k.sku
           GROUP BY d.store_id, d.sku
         ), gone AS (
           DELETE FROM series s USING unnest($1::text[], $2::text[]) AS k(store_id, sku)
           WHERE s.store_id = k.store_id AND s.sku = k.sku
             AND NOT EXISTS (SELECT 1 FROM span WHERE span.store_id = s.store_id AND span.sku = s.sku)
         )
         INSERT INTO series AS s (store_id, sku, first_day, last_day) SELECT * FROM span ORDER BY 1, 2
         ON CONFLICT (store_id, sku) DO UPDATE SET first_day = excluded.first_day, last_day = excluded.last_day`,
        params.slice(0, 2),
      );
      await client.query(
        `INSERT INTO online_dirty AS o (store_id, sku)
         SELECT store_id, sku FROM unnest($1::text[], $2::text[]) AS k(store_id, sku) ORDER BY 1, 2
         ON CONFLICT (store_id, sku) DO UPDATE SET version = nextval('online_dirty_version_seq')`,
        params.slice(0, 2),
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    options.onProgress?.(Math.min(i + chunk, refs.length), refs.length);
  }
  return { series: refs.length, days };
}
