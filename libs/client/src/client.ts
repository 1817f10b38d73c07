/**
 * A typed client of the ingestion API (POST /v1/events) for retail back ends: it batches,
 * retries what can be retried, reports what was refused, and adds up the answers.
 */
import { ErrorResponse, IngestResponse, type RetailEvent } from '@shelfcast/contracts';
import type { z } from 'zod';

import { csvRecords, ndjsonRecords, type TextSource } from './records';

/** An event as a back end writes it (defaults such as `casePack` may be left out). */
export type RetailEventInput = z.input<typeof RetailEvent>;

export interface Rejection {
  /**
   * Index of the item in the whole input: the event's position for `send`, the zero-based line number
   * for `sendNdjson` (blank lines count, as the service counts them), the zero-based data row for `sendCsv`.
   */
  index: number;
  /** Dotted path inside the item (`data.quantity`), empty for the whole item. */
  path: string;
  message: string;
}

export interface SendResult {
  /** Items taken: published now plus duplicates published before. */
  accepted: number;
  published: number;
  duplicates: number;
  rejected: Rejection[];
  /** Items read from the input. */
  items: number;
  /** Requests that were answered (a split or retried batch counts once per answer). */
  requests: number;
  /** Attempts repeated after a 429, 502, 503, 504, a network error or a timeout. */
  retries: number;
}

export interface SendProgress {
  items: number;
  /** Bytes of input read (text inputs; 0 for event objects). */
  bytes: number;
  accepted: number;
  published: number;
  duplicates: number;
  rejected: number;
  requests: number;
  retries: number;
}

export interface SendOptions {
  /** Called after every batch. */
  onProgress?: (progress: SendProgress) => void;
  signal?: AbortSignal;
}

export interface ShelfcastClientOptions {
  /** Where the ingestion service listens, e.g. `http://127.0.0.1:3001`. */
  baseUrl: string;
  apiKey: string;
  /** Items per request. Default 500. */
  batchSize?: number;
  /** Retries of one request after a retryable answer. Default 5. */
  maxRetries?: number;
  /** First backoff; it doubles per retry, with jitter (half to all of it), up to `maxBackoffMs`. Default 200. */
  initialBackoffMs?: number;
  /** Default 10 000. */
  maxBackoffMs?: number;
  /** Longest wait a Retry-After header may ask for. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Per request. Default 30 000. */
  timeoutMs?: number;
  /** Default progress callback of every send. */
  onProgress?: (progress: SendProgress) => void;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** A request that could not be completed: not retryable, or retries exhausted. `partial` holds the totals so far. */
export class ShelfcastClientError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly partial: SendResult,
    /** Index in the input of the first item of the batch that failed. */
    readonly batchStart: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ShelfcastClientError';
  }
}

type Format = 'json' | 'ndjson' | 'csv';

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

/** HTTP answers worth another try: rate limited, or the service (or a proxy before it) briefly unavailable. */
const RETRYABLE = new Set([429, 502, 503, 504]);
/**
 * Refusals of the request's content: reported as rejections of its items, and sending goes on. Any other
 * 4xx or 5xx (401, 403, 404, 415, 500...) stops the send with a `ShelfcastClientError`: it would fail every batch.
 */
const REPORTED = new Set([400, 413, 422]);

interface Batch {
  /** Serialised items: JSON texts, NDJSON lines or CSV rows. */
  items: string[];
  /** Index in the whole input of each item. */
  indices: number[];
}

type Attempt =
  | { kind: 'ok'; body: IngestResponse }
  | { kind: 'refused'; status: number; error?: ErrorResponse['error'] }
  | { kind: 'too-large' };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in milliseconds: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class ShelfcastClient {
  private readonly url: string;
  private readonly batchSize: number;
  private readonly maxRetries: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ShelfcastClientOptions) {
    if (!options.apiKey) throw new Error('ShelfcastClient: apiKey is required');
    this.url = new URL('v1/events', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`).toString();
    this.batchSize = options.batchSize ?? 500;
    this.maxRetries = options.maxRetries ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? fetch;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error('ShelfcastClient: batchSize >= 1');
  }

  /** Sends events as JSON arrays of `batchSize`, in order, one request at a time. */
  send(
    events: Iterable<RetailEventInput> | AsyncIterable<RetailEventInput>,
    options: SendOptions = {},
  ): Promise<SendResult> {
    async function* records() {
      let index = 0;
      for await (const e of events) yield { text: JSON.stringify(e), bytes: 0, index: index++ };
    }
    return this.run('json', records(), undefined, options);
  }

  /** Sends NDJSON (one event per line; blank lines are not sent but count in line numbers) in batches of lines. */
  sendNdjson(input: TextSource, options: SendOptions = {}): Promise<SendResult> {
    return this.run('ndjson', ndjsonRecords(input), undefined, options);
  }

  /** Sends CSV sales: the header row goes with every batch; indices count data rows from 0. */
  async sendCsv(input: TextSource, options: SendOptions = {}): Promise<SendResult> {
    const rows = csvRecords(input);
    const first = await rows.next();
    if (first.done) return emptyResult();
    return this.run('csv', rows, first.value.text, options);
  }

  private async run(
    format: Format,
    records: AsyncIterable<{ text: string; bytes: number; index: number }>,
    header: string | undefined,
    options: SendOptions,
  ): Promise<SendResult> {
    const result = emptyResult();
    const onProgress = options.onProgress ?? this.options.onProgress;
    let bytes = 0;
    let batch: Batch = { items: [], indices: [] };
    const flush = async () => {
      if (batch.items.length === 0) return;
      await this.sendBatch(format, header, batch, result, options.signal);
      onProgress?.({
        items: result.items,
        bytes,
        accepted: result.accepted,
        published: result.published,
        duplicates: result.duplicates,
        rejected: result.rejected.length,
        requests: result.requests,
        retries: result.retries,
      });
      batch = { items: [], indices: [] };
    };
    for await (const r of records) {
      batch.items.push(r.text);
      batch.indices.push(r.index);
      result.items++;
      bytes = Math.max(bytes, r.bytes);
      if (batch.items.length >= this.batchSize) await flush();
    }
    await flush();
    return result;
  }

  private body(format: Format, header: string | undefined, items: string[]): string {
    switch (format) {
      case 'json':
        return `[${items.join(',')}]`;
      case 'ndjson':
        return `${items.join('\n')}\n`;
      case 'csv':
        return `${header}\n${items.join('\n')}\n`;
    }
  }

  private async sendBatch(
    format: Format,
    header: string | undefined,
    batch: Batch,
    result: SendResult,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const answer = await this.attempt(format, header, batch, result, signal);
    if (answer.kind === 'too-large') {
      // 413 for a batch of several: halve it until the service takes it (a single item is reported).
      const half = Math.ceil(batch.items.length / 2);
      const first = { items: batch.items.slice(0, half), indices: batch.indices.slice(0, half) };
      await this.sendBatch(format, header, first, result, signal);
      const second = { items: batch.items.slice(half), indices: batch.indices.slice(half) };
      await this.sendBatch(format, header, second, result, signal);
      return;
    }
    result.requests++;
    if (answer.kind === 'ok') {
      result.accepted += answer.body.accepted;
      result.published += answer.body.published;
      result.duplicates += answer.body.duplicates;
      for (const r of answer.body.rejected) {
        result.rejected.push({ index: globalIndex(batch, r.index), path: r.path, message: r.message });
      }
      return;
    }
    // The whole request was refused: nothing of it was published. Items the answer names get
    // its details, the others the reason of the refusal.
    const error = answer.error;
    const summary = error ? `${error.code}: ${error.message}` : `HTTP ${answer.status}`;
    const byIndex = new Map<number, Rejection[]>();
    for (const d of error?.details ?? []) {
      if (d.index === undefined || d.index < 0 || d.index >= batch.items.length) continue;
      const list = byIndex.get(d.index) ?? [];
      list.push({ index: batch.indices[d.index], path: d.path, message: d.message });
      byIndex.set(d.index, list);
    }
    for (let i = 0; i < batch.items.length; i++) {
      const named = byIndex.get(i);
      if (named) result.rejected.push(...named);
      else result.rejected.push({ index: batch.indices[i], path: '', message: `request refused (${summary})` });
    }
  }

  /** One request with its retries. */
  private async attempt(
    format: Format,
    header: string | undefined,
    batch: Batch,
    result: SendResult,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const body = this.body(format, header, batch.items);
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let failure: string;
      let status: number | undefined;
      let code: string | undefined;
      let cause: unknown;
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs);
        const res = await this.fetchFn(this.url, {
          method: 'POST',
          headers: {
            'content-type': CONTENT_TYPES[format],
            accept: 'application/json',
            authorization: `Bearer ${this.options.apiKey}`,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) {
          const parsed = IngestResponse.safeParse(safeJson(text));
          if (!parsed.success) {
            throw new ShelfcastClientError(
              `unexpected answer from ${this.url} (HTTP ${res.status}): ${text.slice(0, 200)}`,
              res.status,
              undefined,
              result,
              batch.indices[0],
            );
          }
          return { kind: 'ok', body: parsed.data };
        }
        const error = ErrorResponse.safeParse(safeJson(text));
        const err = error.success ? error.data.error : undefined;
        status = res.status;
        code = err?.code;
        failure = `HTTP ${res.status}${err ? ` ${err.code}: ${err.message}` : text ? `: ${text.slice(0, 200)}` : ''}`;
        if (res.status === 413 && batch.items.length > 1) return { kind: 'too-large' };
        if (REPORTED.has(res.status)) return { kind: 'refused', status: res.status, error: err };
        if (!RETRYABLE.has(res.status)) {
          throw new ShelfcastClientError(`${this.url}: ${failure}`, res.status, code, result, batch.indices[0]);
        }
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (e) {
        if (e instanceof ShelfcastClientError) throw e;
        if (signal?.aborted) throw signal.reason;
        // A network error or our timeout: the request may or may not have arrived. Sending it again
        // is safe: the service de-duplicates by event id (duplicates are counted, not published twice).
        failure = e instanceof Error ? `${e.name}: ${e.message}${causeText(e)}` : String(e);
        cause = e;
      }
      if (attempt >= this.maxRetries) {
        throw new ShelfcastClientError(
          `${this.url}: gave up after ${attempt + 1} attempts: ${failure}`,
          status,
          code,
          result,
          batch.indices[0],
          { cause },
        );
      }
      result.retries++;
      await sleep(this.delay(attempt, retryAfterMs), signal);
    }
  }

  /** Retry-After when the service sent one (capped), otherwise exponential backoff with jitter. */
  private delay(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.maxRetryAfterMs);
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/**
 * The service counts items within one body, and the client sends only non-blank records, so the
 * body's index `i` is the batch's item `i`. An index beyond the batch (a service counting otherwise)
 * is kept relative to the batch's first item.
 */
function globalIndex(batch: Batch, index: number): number {
  return index >= 0 && index < batch.indices.length ? batch.indices[index] : batch.indices[0] + index;
}

function emptyResult(): SendResult {
  return { accepted: 0, published: 0, duplicates: 0, rejected: [], items: 0, requests: 0, retries: 0 };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function causeText(e: Error): string {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}
