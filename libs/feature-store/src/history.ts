/**
 * Reads series histories out of PostgreSQL in the shape `seriesFromHistory` takes.
 *
 * Two sources of daily measures, one of everything else:
 * - online: `series_daily` (the aggregates the consumer keeps), for the latest knowledge;
 * - offline: the raw `retail_events` known at a cutoff (business date on or before it, and arrived
 *   on or before `knownAt`), summed per day here;
 * - prices, promotions, products and stores: always the raw events, with the same filter.
 * Both paths pass the same window to the same assembly, so they agree exactly when the aggregates
 * equal the sum of the events (the consumer's exactly-once invariant).
 */
import {
  dayOf,
  type DailyMeasures,
  type PricePoint,
  type PromotionSpan,
  type SeriesHistory,
} from '@shelfcast/features-core';
import { abortablePool } from '@shelfcast/db';
import type { Pool, PoolClient } from 'pg';

import { EVENT_TYPES } from './writer';

export interface SeriesRef {
  storeId: string;
  sku: string;
}

export const refKey = (r: SeriesRef): string => `${r.storeId}|${r.sku}`;

/** What counts as known: events dated on or before `cutoff`, and (when set) arrived by `knownAt`. */
export interface KnowledgeScope {
  /** Last business day (`YYYY-MM-DD`) whose events are known. */
  cutoff: string;
  /** Arrival bound; null: every event that has arrived so far. */
  knownAt: Date | null;
}

type Db = Pool | PoolClient;

const EPOCH = `date '1970-01-01'`;

/** Runs queries concurrently on a pool, one after the other on a single client (which cannot overlap them). */
async function queries<T extends readonly unknown[]>(db: Db, run: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if ('release' in db) {
    const out: unknown[] = [];
    for (const q of run) out.push(await q());
    return out as unknown as T;
  }
  return (await Promise.all(run.map((q) => q()))) as unknown as T;
}

interface PlanRow {
  store_id: string;
  sku: string;
  type: string;
  source: string;
  id: string;
  event_ms: string;
  known_day: number;
  data: Record<string, unknown>;
}

/** Prices, promotions and master data of some series, as known in `scope`. */
export interface SeriesContext {
  prices: PricePoint[];
  promotions: PromotionSpan[];
  product?: SeriesHistory['product'];
  store?: SeriesHistory['store'];
}

/** A record with the business day from which it is known, and its order among records of its kind. */
interface Known<T> {
  day: number;
  order: string;
  value: T;
}

/**
 * The raw context records of some series known in a scope: every price change and promotion
 * schedule, every product and store record, each with the business day it became known. Cut back
 * to any cutoff up to the scope's by `contextsAt`, without asking PostgreSQL again.
 */
export interface ContextRecords {
  prices: Map<string, Array<Known<PricePoint>>>;
  promotions: Map<string, Array<Known<{ id: string; span: PromotionSpan }>>>;
  products: Map<string, Array<Known<NonNullable<SeriesHistory['product']>>>>;
  stores: Map<string, Array<Known<NonNullable<SeriesHistory['store']>>>>;
}

const orderOf = (eventMs: string, source: string, id: string): string => `${eventMs.padStart(16, '0')}|${source}|${id}`;

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Reads the context records of these series known in `scope` (three indexed queries). */
export async function loadContextRecords(
  db: Db,
  refs: readonly SeriesRef[],
  scope: KnowledgeScope,
): Promise<ContextRecords> {
  const out: ContextRecords = { prices: new Map(), promotions: new Map(), products: new Map(), stores: new Map() };
  if (refs.length === 0) return out;
  const stores = refs.map((r) => r.storeId);
  const skus = refs.map((r) => r.sku);
  const known = scope.knownAt ? scope.knownAt.toISOString() : null;
  const columns = `(extract(epoch FROM event_time) * 1000)::bigint::text AS event_ms, business_date - ${EPOCH} AS known_day`;
  const [plans, products, storeRows] = await queries(db, [
    () =>
      db.query<PlanRow>(
        `SELECT e.store_id, e.sku, e.type, e.source, e.id, (extract(epoch FROM e.event_time) * 1000)::bigint::text AS event_ms,
                e.business_date - ${EPOCH} AS known_day, e.data
       FROM retail_events e
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(store_id, sku) ON e.store_id = k.store_id AND e.sku = k.sku
       WHERE e.type IN ('${EVENT_TYPES.price}', '${EVENT_TYPES.promotion}')
         AND e.business_date <= $3::date AND ($4::timestamptz IS NULL OR e.arrived_at <= $4::timestamptz)`,
        [stores, skus, scope.cutoff, known],
      ),
    () =>
      db.query<Omit<PlanRow, 'store_id' | 'type'>>(
        `SELECT sku, source, id, ${columns}, data FROM retail_events
       WHERE type = '${EVENT_TYPES.product}' AND sku = ANY($1::text[])
         AND business_date <= $2::date AND ($3::timestamptz IS NULL OR arrived_at <= $3::timestamptz)`,
        [[...new Set(skus)], scope.cutoff, known],
      ),
    () =>
      db.query<Omit<PlanRow, 'sku' | 'type'>>(
        `SELECT store_id, source, id, ${columns}, data FROM retail_events
       WHERE type = '${EVENT_TYPES.store}' AND store_id = ANY($1::text[]) AND sku IS NULL
         AND business_date <= $2::date AND ($3::timestamptz IS NULL OR arrived_at <= $3::timestamptz)`,
        [[...new Set(stores)], scope.cutoff, known],
      ),
  ]);
  for (const row of plans.rows) {
    const key = `${row.store_id}|${row.sku}`;
    const order = orderOf(row.event_ms, row.source, row.id);
    if (row.type === EVENT_TYPES.price) {
      const d = row.data as { price: string; regularPrice?: string; effectiveFrom: string };
      pushTo(out.prices, key, {
        day: row.known_day,
        order,
        value: {
          day: dayOf(d.effectiveFrom.slice(0, 10)),
          price: Number(d.price),
          regularPrice: d.regularPrice === undefined ? null : Number(d.regularPrice),
          order,
        },
      });
    } else {
      const d = row.data as { promotionId: string; startDate: string; endDate: string };
      pushTo(out.promotions, key, {
        day: row.known_day,
        order,
        value: { id: d.promotionId, span: { first: dayOf(d.startDate), last: dayOf(d.endDate) } },
      });
    }
  }
  for (const r of products.rows) {
    const p = r.data;
    pushTo(out.products, r.sku, {
      day: r.known_day,
      order: orderOf(r.event_ms, r.source, r.id),
      value: {
        category: String(p.category),
        department: String(p.department),
        launchDay: typeof p.launchDate === 'string' ? dayOf(p.launchDate) : null,
      },
    });
  }
  for (const r of storeRows.rows) {
    const s = r.data;
    pushTo(out.stores, r.store_id, {
      day: r.known_day,
      order: orderOf(r.event_ms, r.source, r.id),
      value: { region: String(s.region), sizeSqft: typeof s.sizeSqft === 'number' ? s.sizeSqft : null },
    });
  }
  return out;
}

/** The latest record (by order) known by `cutoff`. */
function latestBy<T>(list: ReadonlyArray<Known<T>> | undefined, cutoff: number): T | undefined {
  let best: Known<T> | undefined;
  if (list) for (const r of list) if (r.day <= cutoff && (!best || r.order > best.order)) best = r;
  return best?.value;
}

/**
 * The contexts of these series at a cutoff day (on or before the records' scope): prices effective
 * from `fromDay` on, plus the last one before; the latest schedule of each promotion id; the latest
 * product and store records — each among the records known by then.
 */
export function contextsAt(
  records: ContextRecords,
  refs: readonly SeriesRef[],
  cutoff: number,
  fromDay: number,
): Map<string, SeriesContext> {
  const out = new Map<string, SeriesContext>();
  for (const r of refs) {
    const key = refKey(r);
    const product = latestBy(records.products.get(r.sku), cutoff);
    const store = latestBy(records.stores.get(r.storeId), cutoff);
    const ctx: SeriesContext = {
      prices: [],
      promotions: [],
      ...(product ? { product } : {}),
      ...(store ? { store } : {}),
    };
    const prices = records.prices.get(key);
    if (prices) {
      const list = prices.filter((p) => p.day <= cutoff).map((p) => p.value);
      list.sort((a, b) => a.day - b.day || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      let firstInWindow = list.findIndex((p) => p.day >= fromDay);
      if (firstInWindow < 0) firstInWindow = list.length;
      ctx.prices = list.slice(Math.max(0, firstInWindow - 1));
    }
    const promotions = records.promotions.get(key);
    if (promotions) {
      const byId = new Map<string, Known<{ id: string; span: PromotionSpan }>>();
      for (const p of promotions) {
        if (p.day > cutoff) continue;
        const prev = byId.get(p.value.id);
        if (!prev || prev.order < p.order) byId.set(p.value.id, p);
      }
      ctx.promotions = [...byId.values()].map((v) => v.value.span).sort((a, b) => a.first - b.first);
    }
    out.set(key, ctx);
  }
  return out;
}

/**
 * Prices (those effective from `fromDay` on, plus the last one before), promotions (the latest
 * schedule of each promotion id) and the latest product and store records of each series.
 */
export async function loadContexts(
  db: Db,
  refs: readonly SeriesRef[],
  scope: KnowledgeScope,
  fromDay: number,
): Promise<Map<string, SeriesContext>> {
  if (refs.length === 0) return new Map();
  return contextsAt(await loadContextRecords(db, refs, scope), refs, dayOf(scope.cutoff), fromDay);
}

/** A series' daily aggregates in the window, one comma-separated list per column (row order, aligned). */
interface PackedDaysRow {
  store_id: string;
  sku: string;
  first_day: number;
  days: string | null;
  units: string | null;
  net_sales: string | null;
  /** Empty items: no snapshot that day. */
  on_hand_min: string | null;
}

/** Splits `a,b,c` into numbers without building an array of strings; empty items become null. */
function splitNumbers(list: string | null, out: Array<number | null>): Array<number | null> {
  if (list === null) return out;
  let from = 0;
  for (;;) {
    const comma = list.indexOf(',', from);
    const end = comma < 0 ? list.length : comma;
    out.push(end === from ? null : Number(list.slice(from, end)));
    if (comma < 0) return out;
    from = comma + 1;
  }
}

/**
 * Online: the aggregates of these series for days [fromDay, toDay], with each one's first day. One
 * row per series (its days packed into lists) rather than one per series-day: a refresh reads a
 * year of days for hundreds of series, and parsing rows, not PostgreSQL, was its cost.
 */
export async function loadOnlineHistories(
  db: Db,
  refs: readonly SeriesRef[],
  scope: KnowledgeScope,
  fromDay: number,
  toDay: number,
): Promise<SeriesHistory[]> {
  if (refs.length === 0) return [];
  const stores = refs.map((r) => r.storeId);
  const skus = refs.map((r) => r.sku);
  const [series, contexts] = await queries(db, [
    () =>
      db.query<PackedDaysRow>(
        `SELECT s.store_id, s.sku, s.first_day - ${EPOCH} AS first_day, d.days, d.units, d.net_sales, d.on_hand_min
         FROM series s
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(store_id, sku) ON s.store_id = k.store_id AND s.sku = k.sku
         LEFT JOIN LATERAL (
           SELECT string_agg((d.day - ${EPOCH})::text, ',') AS days,
                  string_agg(d.units::float8::text, ',') AS units,
                  string_agg(d.net_sales::float8::text, ',') AS net_sales,
                  string_agg(coalesce(d.on_hand_min::text, ''), ',') AS on_hand_min
           FROM series_daily d
           WHERE d.store_id = s.store_id AND d.sku = s.sku
             AND d.day >= ${EPOCH} + $3::int AND d.day <= ${EPOCH} + $4::int AND d.day <= $5::date
         ) d ON true`,
        [stores, skus, fromDay, toDay, scope.cutoff],
      ),
    () => loadContexts(db, refs, scope, fromDay),
  ]);
  const byKey = new Map<string, PackedDaysRow>();
  for (const r of series.rows) byKey.set(`${r.store_id}|${r.sku}`, r);
  const out: SeriesHistory[] = [];
  for (const r of refs) {
    const key = refKey(r);
    const row = byKey.get(key);
    if (row === undefined) continue; // no sale or inventory event yet: nothing to build on
    const day = splitNumbers(row.days, []);
    const units = splitNumbers(row.units, []);
    const netSales = splitNumbers(row.net_sales, []);
    const onHand = splitNumbers(row.on_hand_min, []);
    const days: DailyMeasures[] = new Array(day.length);
    for (let i = 0; i < day.length; i++)
      days[i] = {
        day: day[i] as number,
        units: units[i] as number,
        netSales: netSales[i] as number,
        onHandMin: onHand[i],
      };
    const ctx = contexts.get(key) ?? { prices: [], promotions: [] };
    out.push({ storeId: r.storeId, sku: r.sku, firstDay: row.first_day, days, ...ctx });
  }
  return out;
}

interface RawDayRow {
  store_id: string;
  sku: string;
  /** Aggregates only: the series' first day. */
  first_day?: number;
  /** Null for a series with no day in the window (aggregates only). */
  day: number | null;
  units: number;
  net_sales: number;
  on_hand_min: number | null;
}

/** How an offline read goes. */
export interface OfflineReadOptions {
  /** Series per chunk. Default 500. */
  chunkSeries?: number;
  /** Rows per FETCH of the cursor. Default 20,000. */
  fetchRows?: number;
  onlySeries?: readonly SeriesRef[];
  /** Stops the read, cancelling a statement in progress in PostgreSQL; the read rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * 'auto' (default): the daily aggregates when they hold exactly the events known in the scope
   * (nothing dated by the cutoff arrived after its bound), else the raw events; 'events': always
   * the raw events.
   */
  source?: 'auto' | 'events';
  /** Told which source the read uses. */
  onSource?: (source: OfflineSource) => void;
}

/** Where an offline read takes its daily measures from. */
export type OfflineSource = 'aggregates' | 'events';

/** A series' daily measures as read offline, before prices, promotions and master data are attached. */
export type SeriesDays = Omit<SeriesHistory, 'prices' | 'promotions' | 'product' | 'store'>;

/**
 * Offline: every series' daily measures summed from the raw events known in `scope` (or read from
 * the daily aggregates when they hold exactly those events), streamed in series order through a
 * server-side cursor (memory holds one fetch and one chunk of series).
 * Yields chunks of up to `chunkSeries` series with days from `fromDay` on (sorted ascending);
 * `onlySeries` restricts to some series. The days alone: `historiesAt` attaches the rest, at
 * `scope` or at any earlier cutoff under the same arrival bound, so one read can serve many cutoffs.
 */
export async function* streamOfflineDays(
  pool: Pool,
  scope: KnowledgeScope,
  fromDay: number,
  options: OfflineReadOptions = {},
): AsyncGenerator<SeriesDays[]> {
  const chunkSeries = options.chunkSeries ?? 500;
  const fetchRows = options.fetchRows ?? 20_000;
  const signal = options.signal;
  // An abort cancels the statement the cursor runs (the first FETCH aggregates and sorts every
  // event read, which can take long) in PostgreSQL.
  const client = await (signal ? abortablePool(pool, signal) : pool).connect();
  let released = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The read sorts a whole history in PostgreSQL: in memory rather than in temporary files.
    await client.query(`SET LOCAL work_mem = '64MB'`);
    const only = options.onlySeries;
    const known = scope.knownAt ? scope.knownAt.toISOString() : null;
    // The aggregates hold every event that has arrived: they are the events known in `scope` when
    // nothing dated by the cutoff arrived after its bound (asked of the arrival-time index, in this
    // snapshot, which is also the aggregates').
    let source: OfflineSource = 'events';
    if (options.source !== 'events' && known === null) source = 'aggregates';
    else if (options.source !== 'events') {
      // Through the arrival-time index: the planner would scan the table in the hope of an early
      // match, and when nothing arrived since (the usual answer) it reads every row.
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ complete: boolean }>(
        `SELECT NOT EXISTS (
           SELECT 1 FROM retail_events
            WHERE arrived_at > $2::timestamptz AND business_date <= $1::date
              AND type IN ('${EVENT_TYPES.sale}', '${EVENT_TYPES.inventory}')) AS complete`,
        [scope.cutoff, known],
      );
      await client.query('SET LOCAL enable_seqscan = on');
      if (rows[0].complete) source = 'aggregates';
    }
    options.onSource?.(source);
    const params: unknown[] = [scope.cutoff];
    let filter = '';
    if (only) {
      params.push(
        only.map((r) => r.storeId),
        only.map((r) => r.sku),
      );
      filter = `AND (s.store_id, s.sku) IN (SELECT * FROM unnest($${params.length - 1}::text[], $${params.length}::text[]))`;
    }
    if (source === 'aggregates') {
      params.push(fromDay);
      await client.query(
        `DECLARE offline_days NO SCROLL CURSOR FOR
         SELECT s.store_id, s.sku, s.first_day - ${EPOCH} AS first_day, d.day - ${EPOCH} AS day,
                d.units::float8 AS units, d.net_sales::float8 AS net_sales, d.on_hand_min
         FROM series s
         LEFT JOIN series_daily d ON d.store_id = s.store_id AND d.sku = s.sku
           AND d.day >= ${EPOCH} + $${params.length}::int AND d.day <= $1::date
         WHERE s.first_day <= $1::date ${filter}
         ORDER BY s.store_id COLLATE "C", s.sku COLLATE "C", d.day`,
        params,
      );
    } else {
      params.push(known);
      await client.query(
        `DECLARE offline_days NO SCROLL CURSOR FOR
         SELECT store_id, sku, business_date - ${EPOCH} AS day,
                coalesce(sum(quantity) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0)::float8 AS units,
                coalesce(sum(amount) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0)::float8 AS net_sales,
                min(quantity) FILTER (WHERE type = '${EVENT_TYPES.inventory}')::int AS on_hand_min
         FROM retail_events s
         WHERE type IN ('${EVENT_TYPES.sale}', '${EVENT_TYPES.inventory}')
           AND business_date <= $1::date AND ($${params.length}::timestamptz IS NULL OR arrived_at <= $${params.length}::timestamptz) ${filter}
         GROUP BY store_id, sku, business_date
         ORDER BY store_id COLLATE "C", sku COLLATE "C", business_date`,
        params,
      );
    }
    let chunk: SeriesDays[] = [];
    let current: SeriesDays | null = null;
    for (;;) {
      signal?.throwIfAborted();
      const { rows } = await client.query<RawDayRow>(`FETCH ${fetchRows} FROM offline_days`);
      for (const r of rows) {
        if (!current || current.storeId !== r.store_id || current.sku !== r.sku) {
          if (current) chunk.push(current);
          if (chunk.length >= chunkSeries) {
            yield chunk;
            chunk = [];
          }
          current = { storeId: r.store_id, sku: r.sku, firstDay: r.first_day ?? (r.day as number), days: [] };
        }
        // A series with no day in the window comes from the aggregates as one row without a day.
        if (r.day !== null && r.day >= fromDay)
          current.days.push({ day: r.day, units: r.units, netSales: r.net_sales, onHandMin: r.on_hand_min });
      }
      if (rows.length < fetchRows) break;
    }
    if (current) chunk.push(current);
    if (chunk.length > 0) yield chunk;
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    released = true;
    // A statement cancelled by the abort: the abort is what happened.
    if (signal?.aborted) throw signal.reason;
    throw e;
  } finally {
    if (!released) {
      // A consumer that stopped early leaves the transaction open: end it before reuse.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}

/** Index of the first day at or after `day` in days sorted ascending. */
function firstAtOrAfter(days: readonly DailyMeasures[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid].day < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Histories of some series as known in `scope`, from days read by `streamOfflineDays` at the same
 * arrival bound and a cutoff on or after `scope.cutoff`: days from `fromDay` through the cutoff, the
 * series that had begun by then, and their prices, promotions and master data as known in `scope`
 * (from `records` when given: the series' context records loaded at the read's scope, so that many
 * cutoffs cost one set of queries). Exactly what `streamOfflineHistories` would read at `scope`.
 */
export async function historiesAt(
  db: Db,
  series: readonly SeriesDays[],
  scope: KnowledgeScope,
  fromDay: number,
  records?: ContextRecords,
): Promise<SeriesHistory[]> {
  const cutoff = dayOf(scope.cutoff);
  const known: SeriesDays[] = [];
  for (const s of series) {
    if (s.firstDay > cutoff) continue;
    const days = s.days;
    const from = firstAtOrAfter(days, fromDay);
    const to = firstAtOrAfter(days, cutoff + 1);
    known.push({
      storeId: s.storeId,
      sku: s.sku,
      firstDay: s.firstDay,
      days: from === 0 && to === days.length ? days : days.slice(from, to),
    });
  }
  if (known.length === 0) return [];
  const contexts = records
    ? contextsAt(records, known, cutoff, fromDay)
    : await loadContexts(db, known, scope, fromDay);
  return known.map((h) => ({ ...h, ...(contexts.get(refKey(h)) ?? { prices: [], promotions: [] }) }));
}

/**
 * Offline: every series' history as known in `scope` (`streamOfflineDays` with prices, promotions
 * and master data attached), in chunks of up to `chunkSeries` series.
 */
export async function* streamOfflineHistories(
  pool: Pool,
  scope: KnowledgeScope,
  fromDay: number,
  options: OfflineReadOptions = {},
): AsyncGenerator<SeriesHistory[]> {
  for await (const chunk of streamOfflineDays(pool, scope, fromDay, options))
    yield await historiesAt(pool, chunk, scope, fromDay);
}
