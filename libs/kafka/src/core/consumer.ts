import { HEADERS, TOPIC_CONTRACTS, type DeadLetterKind, type TopicEvent, type TopicName } from '@shelfcast/contracts';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

import { prefixed } from './client';
import type { EventProducer } from './producer';

export interface ConsumedEvent<T extends TopicName> {
  topic: T;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** Broker time the message was appended (arrival time), as epoch milliseconds. */
  timestamp: number;
  event: TopicEvent<T>;
}

export interface RetryPolicy {
  /** Attempts after the first one before a message is dead-lettered. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface EventConsumerOptions<T extends TopicName> {
  groupId: string;
  topics: readonly T[];
  /** Processes one batch from one partition; throwing retries the batch with backoff. */
  handle(events: ConsumedEvent<T>[]): Promise<void>;
  deadLetterTopic: string;
  producer: EventProducer;
  logger: Logger;
  topicPrefix?: string;
  fromBeginning?: boolean;
  retry?: Partial<RetryPolicy>;
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  /** Upper bound on bytes fetched per partition per request. */
  maxBytesPerPartition?: number;
}

const DEFAULT_RETRY: RetryPolicy = { retries: 4, initialDelayMs: 200, maxDelayMs: 5000 };

/**
 * At-least-once consumption with effects made exactly-once by the handler (idempotent writes):
 * offsets are committed only after a batch was handled or dead-lettered. A message that does not parse
 * or match its schema goes straight to the dead-letter topic; a batch whose handler keeps failing is
 * retried message by message so that only the poisonous ones are dead-lettered, with the error and
 * their origin in headers.
 */
export class EventConsumer<T extends TopicName> {
  private readonly consumer: Consumer;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private running = false;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly options: EventConsumerOptions<T>,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.logger.child({ component: 'consumer', group: options.groupId });
    this.consumer = kafka.consumer({
      groupId: prefixed(options.topicPrefix, options.groupId),
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
      readUncommitted: false,
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Joins the group and starts consuming; keeps retrying to connect while the broker is down. */
  async start(): Promise<void> {
    let delay = 500;
    while (!this.stopping) {
      try {
        await this.consumer.connect();
        for (const topic of this.options.topics) {
          await this.consumer.subscribe({
            topic: prefixed(this.options.topicPrefix, topic),
            fromBeginning: this.options.fromBeginning ?? true,
          });
        }
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
          eachBatch: (payload) => this.onBatch(payload),
        });
        this.running = true;
        this.log.info({ topics: this.options.topics }, 'consumer started');
        return;
      } catch (e) {
        this.log.warn({ err: e, retryInMs: delay }, 'consumer cannot start yet');
        await this.consumer.disconnect().catch(() => undefined);
        await sleep(delay);
        delay = Math.min(delay * 2, 10000);
      }
    }
  }

  /** Stops fetching, lets the batch in flight finish and commit, and leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping && !this.running) return;
    this.stopping = true;
    await this.consumer.disconnect();
    this.running = false;
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const topic = this.logicalTopic(batch.topic);
    const valid: ConsumedEvent<T>[] = [];
    const deadLetters: Array<{ message: KafkaMessage; kind: DeadLetterKind; error: string; attempts: number }> = [];

    for (const message of batch.messages) {
      const parsed = this.parse(topic, batch.partition, message);
      if ('error' in parsed) deadLetters.push({ message, kind: 'invalid', error: parsed.error, attempts: 0 });
      else valid.push(parsed.event);
    }

    if (valid.length > 0) {
      const ok = await this.withRetries(
        () => this.options.handle(valid),
        heartbeat,
        () => isRunning() && !isStale(),
      );
      if (ok !== true) {
        if (!isRunning() || isStale()) return; // rebalance or stop: leave it uncommitted for the next owner
        // Isolate the poison: handle one at a time, dead-letter only what still fails.
        for (const event of valid) {
          const single = await this.withRetries(
            () => this.options.handle([event]),
            heartbeat,
            () => isRunning() && !isStale(),
            1,
          );
          if (single !== true) {
            if (!isRunning() || isStale()) return;
            const message = batch.messages.find((m) => m.offset === event.offset);
            if (message) {
              deadLetters.push({
                message,
                kind: 'processing',
                error: single.message,
                attempts: this.retry.retries + 2,
              });
            }
          }
        }
      }
    }

    if (deadLetters.length > 0) await this.deadLetter(batch.topic, batch.partition, deadLetters);
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      // Resolve moves the fetch position; the commit makes it survive a restart or a rebalance.
      resolveOffset(last.offset);
      await this.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
    }
  }

  private parse(topic: T, partition: number, message: KafkaMessage): { event: ConsumedEvent<T> } | { error: string } {
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch (e) {
      return { error: `not JSON: ${(e as Error).message}` };
    }
    const result = TOPIC_CONTRACTS[topic].schema.safeParse(json);
    if (!result.success) {
      return {
        error: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      };
    }
    return {
      event: {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        headers: headersToStrings(message.headers),
        timestamp: Number(message.timestamp),
        event: result.data as TopicEvent<T>,
      },
    };
  }

  private async withRetries(
    run: () => Promise<void>,
    heartbeat: () => Promise<void>,
    active: () => boolean,
    retries = this.retry.retries,
  ): Promise<true | Error> {
    let delay = this.retry.initialDelayMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await run();
        return true;
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (attempt >= retries || !active()) return error;
        this.log.warn({ err: error, attempt: attempt + 1, retryInMs: delay }, 'handler failed; retrying');
        await sleep(delay);
        await heartbeat().catch(() => undefined);
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
    }
  }

  private async deadLetter(
    physicalTopic: string,
    partition: number,
    items: Array<{ message: KafkaMessage; kind: DeadLetterKind; error: string; attempts: number }>,
  ): Promise<void> {
    const failedAt = new Date().toISOString();
    await this.options.producer.sendRaw(
      this.options.deadLetterTopic,
      items.map(({ message, kind, error, attempts }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...headersToStrings(message.headers),
          [HEADERS.error]: error.slice(0, 4000),
          [HEADERS.errorKind]: kind,
          [HEADERS.originTopic]: this.logicalTopic(physicalTopic),
          [HEADERS.originPartition]: String(partition),
          [HEADERS.originOffset]: message.offset,
          [HEADERS.originGroup]: this.options.groupId,
          [HEADERS.attempts]: String(attempts),
          [HEADERS.failedAt]: failedAt,
        },
      })),
    );
    for (const item of items) {
      this.log.warn(
        { topic: physicalTopic, partition, offset: item.message.offset, kind: item.kind, error: item.error },
        'message dead-lettered',
      );
    }
  }

  private logicalTopic(physical: string): T {
    const prefix = this.options.topicPrefix ?? '';
    return (prefix && physical.startsWith(prefix) ? physical.slice(prefix.length) : physical) as T;
  }
}

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
