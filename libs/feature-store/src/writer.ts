/**
 * The exactly-once write of a batch of retail events: one SQL statement (so one transaction)
 * inserts the events that were not seen before (`source` + `id`), adds only those to the daily
 * aggregates, keeps each series' first and last day, marks the series whose online vectors must be
 * refreshed, and moves the business-day watermark. A replay inserts nothing and so adds nothing.
 */
import type { RetailEvent } from '@shelfcast/contracts';
import type { Pool, PoolClient } from 'pg';

export const EVENT_TYPES = {
  sale: 'shelfcast.sale.recorded.v1',
  inventory: 'shelfcast.inventory.snapshot.v1',
  price: 'shelfcast.price.changed.v1',
  promotion: 'shelfcast.promotion.scheduled.v1',
  product: 'shelfcast.product.upserted.v1',
  store: 'shelfcast.store.upserted.v1',
} as const satisfies Record<string, RetailEvent['type']>;

/** A retail event and when the platform received it (its Kafka record time, epoch ms). */
export interface ArrivedEvent {
  event: RetailEvent;
  arrivedAt: number;
}

export interface WriteResult {
  /** Events inserted now (the rest had been taken before). */
  inserted: number;
  duplicates: number;
}

/** The business day of an instant: its calendar date as the source wrote it (`2026-11-29T23:30:00-05:00` is 2026-11-29). */
export function businessDate(instant: string): string {
  return instant.slice(0, 10);
}

export const WATERMARK_KEY = 'watermark';

// The batch arrives as one array literal per column, zipped, and the events' data as one JSON
// array: an array of JSON texts costs an escaped quote per key, in Node and again in PostgreSQL.
// The series and online_dirty upserts update a row only when something changes (a wider span, a
// mark the refresher has already claimed): a series comes back batch after batch, and the row lock
// the upsert takes anyway is all the other batches need (rebuilds and refreshes serialise on it).
const WRITE_SQL = `
WITH input AS (
  SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                           unnest($5::text[]), unnest($6::timestamptz[]), unnest($7::date[]), unnest($8::timestamptz[]),
                           unnest($9::numeric[]), unnest($10::numeric[]), json_array_elements($11::json))
    AS t(source, id, type, store_id, sku, event_time, business_date, arrived_at, quantity, unit_price, data)
), ins AS (
  INSERT INTO retail_events (source, id, type, store_id, sku, event_time, business_date, arrived_at, quantity, amount, data)
  SELECT source, id, type, store_id, sku, event_time, business_date, arrived_at, quantity, quantity * unit_price, data
  FROM input
  ON CONFLICT (source, id) DO NOTHING
  RETURNING type, store_id, sku, business_date, quantity, amount
), daily AS (
  INSERT INTO series_daily AS d (store_id, sku, day, units, returned_units, net_sales, sale_events, on_hand_min, snapshots)
  SELECT store_id, sku, business_date,
         coalesce(sum(quantity) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0),
         coalesce(-sum(quantity) FILTER (WHERE type = '${EVENT_TYPES.sale}' AND quantity < 0), 0),
         coalesce(sum(amount) FILTER (WHERE type = '${EVENT_TYPES.sale}'), 0),
         count(*) FILTER (WHERE type = '${EVENT_TYPES.sale}'),
         min(quantity) FILTER (WHERE type = '${EVENT_TYPES.inventory}'),
         count(*) FILTER (WHERE type = '${EVENT_TYPES.inventory}')
  FROM ins
  WHERE type IN ('${EVENT_TYPES.sale}', '${EVENT_TYPES.inventory}')
  GROUP BY store_id, sku, business_date
  ORDER BY store_id, sku, business_date
  ON CONFLICT (store_id, sku, day) DO UPDATE SET
    units = d.units + excluded.units,
    returned_units = d.returned_units + excluded.returned_units,
    net_sales = d.net_sales + excluded.net_sales,
    sale_events = d.sale_events + excluded.sale_events,
    on_hand_min = least(d.on_hand_min, excluded.on_hand_min),
    snapshots = d.snapshots + excluded.snapshots
  RETURNING store_id, sku, day
), ser AS (
  INSERT INTO series AS s (store_id, sku, first_day, last_day)
  SELECT store_id, sku, min(day), max(day) FROM daily GROUP BY store_id, sku ORDER BY store_id, sku
  ON CONFLICT (store_id, sku) DO UPDATE SET
    first_day = least(s.first_day, excluded.first_day),
    last_day = greatest(s.last_day, excluded.last_day)
    WHERE s.first_day > excluded.first_day OR s.last_day < excluded.last_day
  RETURNING store_id, sku
), touched AS (
  SELECT store_id, sku FROM ins WHERE store_id IS NOT NULL AND sku IS NOT NULL
  UNION
  SELECT s.store_id, s.sku FROM series s JOIN ins ON ins.type = '${EVENT_TYPES.product}' AND s.sku = ins.sku
  UNION
  SELECT s.store_id, s.sku FROM series s JOIN ins ON ins.type = '${EVENT_TYPES.store}' AND s.store_id = ins.store_id
  UNION
  SELECT store_id, sku FROM ser
), dirty AS (
  INSERT INTO online_dirty AS o (store_id, sku)
  SELECT store_id, sku FROM touched ORDER BY store_id, sku
  ON CONFLICT (store_id, sku) DO UPDATE SET version = nextval('online_dirty_version_seq')
    -- Unclaimed, the mark is still to be seen: the refresher reads the aggregates after claiming it.
    WHERE o.claimed_until IS NOT NULL
  RETURNING 1
), mark AS (
  INSERT INTO feature_state AS f (key, value, updated_at)
  SELECT '${WATERMARK_KEY}', to_jsonb(max(business_date)::text), now()
  FROM ins WHERE business_date <= (now() + interval '2 days')::date
  HAVING max(business_date) IS NOT NULL
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()
    WHERE f.value #>> '{}' < excluded.value #>> '{}'
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM dirty)::int AS dirty, (SELECT count(*) FROM mark)::int AS moved
`;

/** An element of a PostgreSQL array literal: bare when it can be, else quoted and escaped. */
const BARE = /^[^{}",\\\s]+$/;
function element(v: string | null): string {
  if (v === null) return 'NULL';
  if (BARE.test(v) && !(v.length === 4 && v.toUpperCase() === 'NULL')) return v;
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

/** The series and measure columns of an event as retail_events stores them (text, or null when the type has none). */
export function eventColumns(e: RetailEvent): {
  storeId: string | null;
  sku: string | null;
  quantity: string | null;
  unitPrice: string | null;
} {
  let storeId: string | null = null;
  let sku: string | null = null;
  let quantity: string | null = null;
  let unitPrice: string | null = null;
  switch (e.type) {
    case 'shelfcast.sale.recorded.v1':
      storeId = e.data.storeId;
      sku = e.data.sku;
      quantity = String(e.data.quantity);
      unitPrice = e.data.unitPrice;
      break;
    case 'shelfcast.inventory.snapshot.v1':
      storeId = e.data.storeId;
      sku = e.data.sku;
      quantity = String(e.data.onHand);
      break;
    case 'shelfcast.price.changed.v1':
    case 'shelfcast.promotion.scheduled.v1':
      storeId = e.data.storeId;
      sku = e.data.sku;
      break;
    case 'shelfcast.product.upserted.v1':
      sku = e.data.sku;
      break;
    case 'shelfcast.store.upserted.v1':
      storeId = e.data.storeId;
      break;
  }
  return { storeId, sku, quantity, unitPrice };
}

/** The write's parameters: an array literal per column, and the events' data as one JSON array. */
function parameters(events: readonly ArrivedEvent[]): string[] {
  const cols: string[] = new Array<string>(10).fill('');
  const data: unknown[] = new Array<unknown>(events.length);
  let lastMs = NaN;
  let lastIso = '';
  for (let i = 0; i < events.length; i++) {
    const { event: e, arrivedAt } = events[i];
    const { storeId, sku, quantity, unitPrice } = eventColumns(e);
    // Records of one fetch mostly share their millisecond.
    if (arrivedAt !== lastMs) {
      lastMs = arrivedAt;
      lastIso = new Date(arrivedAt).toISOString();
    }
    const sep = i === 0 ? '' : ',';
    cols[0] += sep + element(e.source);
    cols[1] += sep + element(e.id);
    cols[2] += sep + element(e.type);
    cols[3] += sep + element(storeId);
    cols[4] += sep + element(sku);
    cols[5] += sep + element(e.time);
    cols[6] += sep + element(businessDate(e.time));
    cols[7] += sep + lastIso;
    cols[8] += sep + element(quantity);
    cols[9] += sep + element(unitPrice);
    data[i] = e.data;
  }
  return [...cols.map((c) => `{${c}}`), JSON.stringify(data)];
}

/**
 * Writes a batch exactly once in effect. Events of one batch with the same `source` + `id` count
 * once (the first wins). Throws on a database error: nothing of the batch is then written.
 */
export async function writeEvents(db: Pool | PoolClient, events: readonly ArrivedEvent[]): Promise<WriteResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  const seen = new Set<string>();
  const unique: ArrivedEvent[] = [];
  for (const e of events) {
    const k = `${e.event.source}\u0000${e.event.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    unique.push(e);
  }
  const result = await db.query<{ inserted: number }>(WRITE_SQL, parameters(unique));
  const inserted = result.rows[0]?.inserted ?? 0;
  return { inserted, duplicates: events.length - inserted };
}
