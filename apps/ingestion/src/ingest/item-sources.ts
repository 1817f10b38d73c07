import type { Readable } from 'node:stream';

import { CSV_SALE_COLUMNS, type CsvSaleField } from '@shelfcast/contracts';
import { ApiError } from '@shelfcast/observability';
import { parse } from 'csv-parse';

/** One item of a request body: its zero-based index and either its value or why it could not be read. */
export type RawItem = { index: number; value: unknown } | { index: number; error: { path: string; message: string } };

/**
 * A JSON body: an array of events, or one event. The array is consumed: each element is let go once
 * taken, so the parsed items do not stay reachable from the request while Kafka acknowledges (every
 * young-generation GC in that time would copy them again).
 */
export function* itemsFromJson(body: unknown): Iterable<RawItem> {
  if (Array.isArray(body)) {
    for (let index = 0; index < body.length; index++) {
      const value: unknown = body[index];
      body[index] = undefined;
      yield { index, value };
    }
  } else if (body !== null && typeof body === 'object') {
    yield { index: 0, value: body };
  } else {
    throw new ApiError(400, 'bad_request', 'the JSON body must be an array of events or one event object');
  }
}

export interface StreamLimits {
  maxBytes: number;
  maxLineBytes: number;
}

/**
 * NDJSON: one event per line, read as the body streams in (memory bounded by the longest line).
 * The index of an item is its zero-based line number; blank lines are skipped.
 */
export async function* itemsFromNdjson(stream: Readable, limits: StreamLimits): AsyncIterable<RawItem> {
  let total = 0;
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  function* emit(buffer: Buffer): Iterable<RawItem> {
    const text = buffer.toString('utf8').trim();
    const index = line++;
    if (!text) return;
    try {
      yield { index, value: JSON.parse(text) as unknown };
    } catch (e) {
      yield { index, error: { path: '', message: `line ${index + 1} is not valid JSON: ${(e as Error).message}` } };
    }
  }

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limits.maxBytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `the NDJSON body is larger than the limit of ${limits.maxBytes} bytes`,
      );
    }
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (pendingBytes + piece.length > limits.maxLineBytes) throw lineTooLong(line, limits.maxLineBytes);
      yield* emit(pending.length ? Buffer.concat([...pending, piece]) : piece);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > limits.maxLineBytes) throw lineTooLong(line, limits.maxLineBytes);
      pending.push(Buffer.from(rest));
    }
  }
  if (pendingBytes > 0) yield* emit(Buffer.concat(pending));
}

function lineTooLong(line: number, max: number): ApiError {
  return new ApiError(413, 'payload_too_large', `line ${line + 1} is longer than the limit of ${max} bytes`, [
    { index: line, path: '', message: `longer than ${max} bytes` },
  ]);
}

const REQUIRED: CsvSaleField[] = ['id', 'time', 'storeId', 'sku', 'quantity', 'unitPrice', 'currency'];
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * CSV sales, columns matched by header name (case-insensitive; see CSV_SALE_COLUMNS for the names
 * accepted). Each row becomes a sale-recorded event of the key's source. Unknown or missing columns
 * refuse the whole body: a misnamed column would otherwise lose data silently.
 */
export async function* itemsFromCsv(stream: Readable, source: string, limits: StreamLimits): AsyncIterable<RawItem> {
  const parser = stream.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      max_record_size: limits.maxLineBytes,
      relax_column_count: false,
    }),
  );
  let fields: Array<CsvSaleField | undefined> | undefined;
  let index = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!fields) {
        fields = mapHeader(record);
        continue;
      }
      const row: Partial<Record<CsvSaleField, string>> = {};
      fields.forEach((f, i) => {
        if (f && record[i] !== '') row[f] = record[i];
      });
      const quantity = row.quantity !== undefined && NUMBER.test(row.quantity) ? Number(row.quantity) : row.quantity;
      const data: Record<string, unknown> = {
        storeId: row.storeId,
        sku: row.sku,
        quantity,
        unitPrice: row.unitPrice,
        currency: row.currency,
      };
      for (const optional of ['returnReason', 'transactionId', 'channel'] as const) {
        if (row[optional] !== undefined) data[optional] = row[optional];
      }
      yield { index: index++, value: { id: row.id, type: 'shelfcast.sale.recorded.v1', source, time: row.time, data } };
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, 'bad_request', `the CSV body cannot be read: ${(e as Error).message}`);
  }
  if (!fields) throw new ApiError(400, 'bad_request', 'the CSV body is empty: a header row is required');
}

function mapHeader(header: string[]): Array<CsvSaleField | undefined> {
  const lookup = new Map<string, CsvSaleField>();
  for (const [field, names] of Object.entries(CSV_SALE_COLUMNS) as Array<[CsvSaleField, readonly string[]]>) {
    for (const name of names) lookup.set(name, field);
  }
  const mapped = header.map((h) => lookup.get(h.trim().toLowerCase()));
  const unknown = header.filter((_, i) => !mapped[i]);
  if (unknown.length) {
    throw new ApiError(400, 'bad_request', `unknown CSV column(s): ${unknown.join(', ')}`, [
      ...unknown.map((u) => ({
        path: `header.${u}`,
        message: `not a sale field; accepted: ${Object.keys(CSV_SALE_COLUMNS).join(', ')}`,
      })),
    ]);
  }
  const missing = REQUIRED.filter((f) => !mapped.includes(f));
  if (missing.length) {
    throw new ApiError(400, 'bad_request', `missing CSV column(s): ${missing.join(', ')}`);
  }
  return mapped;
}
