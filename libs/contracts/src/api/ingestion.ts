import { z } from 'zod';

import { ErrorDetail } from './errors';

/**
 * POST /v1/events
 *
 * Bodies:
 * - `application/json`: an array of events of any retail type (`RetailEvent`), or one event;
 * - `application/x-ndjson`: one event per line, streamed;
 * - `text/csv`: sales only, one row per sale, columns matched by header name (see `CSV_SALE_COLUMNS`);
 *   `id` and `time` columns are required, `source` comes from the API key.
 *
 * Authentication: `Authorization: Bearer <api key>` or `X-API-Key: <api key>`; every event's
 * `source` must be the key's source.
 *
 * Answer 202 once Kafka acknowledged every accepted event. Every item is either accepted
 * (published now, or a duplicate of an event already published) or listed in `rejected`.
 */
export const IngestResponse = z.object({
  /** Items taken: published now plus duplicates already published before. */
  accepted: z.number().int().min(0),
  /** Of the accepted, how many were published by this request. */
  published: z.number().int().min(0),
  /** Of the accepted, how many repeated an event id already published from this source (not published again). */
  duplicates: z.number().int().min(0),
  rejected: z.array(ErrorDetail.required({ index: true })),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

/** CSV sales: each canonical field and the header names (case-insensitive) that map to it. */
export const CSV_SALE_COLUMNS = {
  id: ['id', 'event_id', 'eventid'],
  time: ['time', 'timestamp', 'sold_at', 'soldat', 'datetime'],
  storeId: ['storeid', 'store_id', 'store'],
  sku: ['sku', 'item', 'item_id', 'product'],
  quantity: ['quantity', 'qty', 'units'],
  unitPrice: ['unitprice', 'unit_price', 'price'],
  currency: ['currency'],
  returnReason: ['returnreason', 'return_reason'],
  transactionId: ['transactionid', 'transaction_id', 'receipt'],
  channel: ['channel'],
} as const;
export type CsvSaleField = keyof typeof CSV_SALE_COLUMNS;
