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

const WRITE_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                       $7::date[], $8::timestamptz[], $9::numeric[], $10::numeric[], $11::json[])
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

interface Columns {
  source: string[];
  id: string[];
  type: string[];
  storeId: Array<string | null>;
  sku: Array<string | null>;
  eventTime: string[];
  businessDate: string[];
  arrivedAt: string[];
  quantity: Array<string | null>;
  unitPrice: Array<string | null>;
  data: string[];
}

function columns(events: readonly ArrivedEvent[]): Columns {
  const c: Columns = {
    source: [],
    id: [],
    type: [],
    storeId: [],
    sku: [],
    eventTime: [],
    businessDate: [],
    arrivedAt: [],
    quantity: [],
    unitPrice: [],
    data: [],
  };
  for (const { event: e, arrivedAt } of events) {
    c.source.push(e.source);
    c.id.push(e.id);
    c.type.push(e.type);
    c.eventTime.push(e.time);
    c.businessDate.push(businessDate(e.time));
    c.arrivedAt.push(new Date(arrivedAt).toISOString());
    c.data.push(JSON.stringify(e.data));
    switch (e.type) {
      case 'shelfcast.sale.recorded.v1':
        c.storeId.push(e.data.storeId);
        c.sku.push(e.data.sku);
        c.quantity.push(String(e.data.quantity));
        c.unitPrice.push(e.data.unitPrice);
        break;
      case 'shelfcast.inventory.snapshot.v1':
        c.storeId.push(e.data.storeId);
        c.sku.push(e.data.sku);
        c.quantity.push(String(e.data.onHand));
        c.unitPrice.push(null);
        break;
      case 'shelfcast.price.changed.v1':
      case 'shelfcast.promotion.scheduled.v1':
        c.storeId.push(e.data.storeId);
        c.sku.push(e.data.sku);
        c.quantity.push(null);
        c.unitPrice.push(null);
        break;
      case 'shelfcast.product.upserted.v1':
        c.storeId.push(null);
        c.sku.push(e.data.sku);
        c.quantity.push(null);
        c.unitPrice.push(null);
        break;
      case 'shelfcast.store.upserted.v1':
        c.storeId.push(e.data.storeId);
        c.sku.push(null);
        c.quantity.push(null);
        c.unitPrice.push(null);
        break;
    }
  }
  return c;
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
  const c = columns(unique);
  const result = await db.query<{ inserted: number }>(WRITE_SQL, [
    c.source,
    c.id,
    c.type,
    c.storeId,
    c.sku,
    c.eventTime,
    c.businessDate,
    c.arrivedAt,
    c.quantity,
    c.unitPrice,
    c.data,
  ]);
  const inserted = result.rows[0]?.inserted ?? 0;
  return { inserted, duplicates: events.length - inserted };
}
