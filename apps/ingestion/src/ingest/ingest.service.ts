import {
  RETAIL_EVENT_SCHEMAS,
  RETAIL_EVENT_TOPIC,
  type ErrorDetail,
  type IngestResponse,
  type RetailEvent,
  type RetailEventType,
} from '@shelfcast/contracts';
import type { ApiKeyIdentity } from '@shelfcast/db';
import { KafkaUnavailableError, type EventProducer } from '@shelfcast/kafka';
import { ApiError, type Logger } from '@shelfcast/observability';
import { z } from 'zod';

import type { DedupStore } from './dedup.store';
import type { RawItem } from './item-sources';
import type { IngestMetrics } from './ingest.metrics';

type RetailTopic = (typeof RETAIL_EVENT_TOPIC)[RetailEventType];

interface Pending {
  index: number;
  event: RetailEvent;
  topic: RetailTopic;
}

export interface IngestOptions {
  /** Most items in the request (413 above). */
  maxEvents: number;
  /**
   * Whole-body requests (JSON, CSV) are validated completely before anything is published, and an event
   * of another source refuses the request (403). Streams are published chunk by chunk as they arrive,
   * and an event of another source is rejected as an item.
   */
  mode: 'whole' | 'stream';
}

export interface IngestSettings {
  chunkEvents: number;
  retryAfterS: number;
}

const TYPES = Object.keys(RETAIL_EVENT_SCHEMAS).join(', ');

/**
 * Each event type's schema compiled by zod (`z.compile`): a generated check builds the very output the
 * schema's own parse builds, and anything it refuses goes through the schema's runtime parse, which
 * writes the issues. Same answers, several times faster on the valid items that are nearly all of a batch.
 */
const COMPILED = Object.fromEntries(
  Object.entries(RETAIL_EVENT_SCHEMAS).map(([type, schema]) => [type, z.compile(schema as z.ZodType)]),
) as unknown as Record<RetailEventType, z.ZodType<RetailEvent>>;

/** Validates, de-duplicates and publishes events; answers only once Kafka acknowledged them. */
export class IngestService {
  constructor(
    private readonly producer: EventProducer,
    private readonly dedup: DedupStore,
    private readonly settings: IngestSettings,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
  ) {}

  async ingest(
    identity: ApiKeyIdentity,
    items: Iterable<RawItem> | AsyncIterable<RawItem>,
    options: IngestOptions,
  ): Promise<IngestResponse> {
    const result: IngestResponse = { accepted: 0, published: 0, duplicates: 0, rejected: [] };
    const idsInRequest = new Set<string>();
    const foreign: ErrorDetail[] = [];
    let chunk: Pending[] = [];
    let count = 0;

    /** Takes one item; true when a stream's chunk is full and should be published now. */
    const take = (item: RawItem): boolean => {
      if (++count > options.maxEvents) {
        throw new ApiError(
          413,
          'payload_too_large',
          `more than ${options.maxEvents} events in one request; split the batch`,
        );
      }
      if ('error' in item) {
        result.rejected.push({ index: item.index, ...item.error });
        return false;
      }
      const checked = validate(item.value);
      if ('issues' in checked) {
        result.rejected.push(...checked.issues.map((i) => ({ index: item.index, ...i })));
        return false;
      }
      const { event, topic } = checked;
      if (event.source !== identity.source) {
        const detail = {
          index: item.index,
          path: 'source',
          message: `source '${event.source}' is not this API key's source '${identity.source}'`,
        };
        if (options.mode === 'whole') foreign.push(detail);
        else result.rejected.push(detail);
        return false;
      }
      if (idsInRequest.has(event.id)) {
        // The same event twice in one request: taken once.
        result.accepted++;
        result.duplicates++;
        return false;
      }
      idsInRequest.add(event.id);
      chunk.push({ index: item.index, event, topic });
      return options.mode === 'stream' && chunk.length >= this.settings.chunkEvents;
    };

    // A JSON body is already in memory: taken item by item without a promise per item (`for await`
    // over a plain iterable costs a microtask each).
    if (isAsync(items)) {
      for await (const item of items) {
        if (take(item)) {
          await this.publish(chunk, result);
          chunk = [];
        }
      }
    } else {
      for (const item of items) {
        if (take(item)) {
          await this.publish(chunk, result);
          chunk = [];
        }
      }
    }
    if (foreign.length) {
      throw new ApiError(403, 'forbidden', `this API key may publish only for source '${identity.source}'`, foreign);
    }
    for (let i = 0; i < chunk.length; i += this.settings.chunkEvents) {
      await this.publish(chunk.slice(i, i + this.settings.chunkEvents), result);
    }
    this.metrics.rejected.inc({ source: identity.source }, result.rejected.length);
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }

  private async publish(chunk: Pending[], result: IngestResponse): Promise<void> {
    const seen = await this.dedup.seen(chunk.map((p) => p.event));
    const byTopic = new Map<RetailTopic, Pending[]>();
    chunk.forEach((p, i) => {
      if (seen[i]) {
        result.accepted++;
        result.duplicates++;
        return;
      }
      const list = byTopic.get(p.topic) ?? [];
      list.push(p);
      byTopic.set(p.topic, list);
    });

    const started = performance.now();
    const outcomes = await Promise.allSettled(
      [...byTopic].map(async ([topic, pending]) => {
        await this.producer.publish(topic, pending.map((p) => p.event) as never, { validate: false });
        // Remember only what Kafka acknowledged: a retry then publishes exactly what is missing.
        await this.dedup.markPublished(pending.map((p) => p.event));
        return pending.length;
      }),
    );
    this.metrics.publishSeconds.observe((performance.now() - started) / 1000);

    let published = 0;
    for (const outcome of outcomes) if (outcome.status === 'fulfilled') published += outcome.value;
    result.published += published;
    result.accepted += published;
    this.metrics.published.inc(published);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) {
      const error = failure.reason as Error;
      if (error instanceof KafkaUnavailableError) {
        this.logger.warn({ err: error }, 'Kafka unavailable; asking the client to retry');
        throw new ApiError(
          503,
          'kafka_unavailable',
          `events were not all acknowledged by Kafka; nothing acknowledged is lost and a retry publishes only what is missing (${error.message})`,
          undefined,
          { 'retry-after': String(this.settings.retryAfterS) },
        );
      }
      throw error;
    }
  }
}

function isAsync<T>(items: Iterable<T> | AsyncIterable<T>): items is AsyncIterable<T> {
  return Symbol.asyncIterator in items;
}

/** Checks one item against the schema of its declared type, with messages that say what and where. */
export function validate(
  value: unknown,
): { event: RetailEvent; topic: RetailTopic } | { issues: Array<{ path: string; message: string }> } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { issues: [{ path: '', message: 'expected an event object' }] };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { issues: [{ path: 'type', message: `required; one of ${TYPES}` }] };
  if (!(type in RETAIL_EVENT_SCHEMAS)) {
    return { issues: [{ path: 'type', message: `unknown event type '${type}'; expected one of ${TYPES}` }] };
  }
  const parsed = COMPILED[type as RetailEventType].safeParse(value);
  if (!parsed.success) {
    return { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  return { event: parsed.data, topic: RETAIL_EVENT_TOPIC[type as RetailEventType] };
}
