import { eventHeaders, TOPIC_CONTRACTS, type TopicEventInput, type TopicName } from '@shelfcast/contracts';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';

import { prefixed } from './client';

/** Kafka did not take the messages: callers answer 503 and the sender retries. */
export class KafkaUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Kafka is unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'KafkaUnavailableError';
  }
}

/** A schema check failed before publishing: a programming error in our own service, never the sender's. */
export class EventContractError extends Error {
  constructor(topic: string, index: number, detail: string) {
    super(`event ${index} does not match the contract of ${topic}: ${detail}`);
    this.name = 'EventContractError';
  }
}

export interface PublishOptions {
  /** Validate every event against its topic's schema first (default true). */
  validate?: boolean;
  /** Extra headers on every message (e.g. traceparent). */
  headers?: Record<string, string>;
}

export interface EventProducerOptions {
  logger: Logger;
  topicPrefix?: string;
  /** Safe concurrent requests with idempotence keep order per partition. */
  maxInFlightRequests?: number;
  compression?: 'none' | 'gzip';
}

/**
 * The platform's producer: idempotent, acks from all in-sync replicas, one `publish(topic, events)`
 * whose types tie each topic to its schema. A publish resolves only once Kafka acknowledged every message.
 */
export class EventProducer {
  private readonly producer: Producer;
  private readonly log: Logger;
  private connecting: Promise<void> | undefined;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly options: EventProducerOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: options.maxInFlightRequests ?? 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 3000 },
    });
    this.log = options.logger.child({ component: 'producer' });
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects, or reuses the connection under way. */
  async connect(): Promise<void> {
    if (this.connected) return;
    this.connecting ??= this.producer
      .connect()
      .then(() => {
        this.connected = true;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** Keeps trying to connect in the background (a service boots while the broker is still down). */
  connectInBackground(): void {
    const attempt = (delay: number) => {
      this.connect().catch((e: unknown) => {
        this.log.warn({ err: e, retryInMs: delay }, 'Kafka producer cannot connect yet');
        setTimeout(() => attempt(Math.min(delay * 2, 10000)), delay).unref();
      });
    };
    attempt(500);
  }

  async publish<T extends TopicName>(
    topic: T,
    events: ReadonlyArray<TopicEventInput<T>>,
    options: PublishOptions = {},
  ): Promise<RecordMetadata[]> {
    if (events.length === 0) return [];
    const contract = TOPIC_CONTRACTS[topic];
    const messages: Message[] = events.map((input, index) => {
      let event = input as never;
      if (options.validate !== false) {
        const parsed = contract.schema.safeParse(input);
        if (!parsed.success) throw new EventContractError(topic, index, parsed.error.message);
        event = parsed.data as never;
      }
      return {
        key: contract.key(event),
        value: JSON.stringify(event),
        headers: { ...eventHeaders(event as { id: string; type: string; source: string }), ...options.headers },
      };
    });
    return this.sendRaw(topic, messages);
  }

  /** Sends prepared messages (dead letters, raw relays) with the same guarantees. */
  async sendRaw(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    try {
      await this.connect();
      return await this.producer.send({
        topic: prefixed(this.options.topicPrefix, topic),
        acks: -1,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages,
      });
    } catch (e) {
      throw new KafkaUnavailableError(e);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}
