import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RAW_TOPICS, RETAIL_EVENT_TOPIC, type RetailEvent } from '@shelfcast/contracts';
import { EventConsumer, EventProducer, KAFKA } from '@shelfcast/kafka';
import { Lifecycle, LOGGER, type Logger } from '@shelfcast/observability';
import type { Kafka } from 'kafkajs';

import type { IngestionConfig } from '../config';
import { INGESTION_CONFIG } from '../tokens';

/**
 * The Kafka-native path: back ends may publish events straight to the raw topic. Valid events go on
 * to their canonical topics (same key, so a series stays ordered); invalid ones go to the dead-letter
 * topic with the reason in headers. Offsets are committed only after the canonical publish was acknowledged.
 */
@Injectable()
export class RawTopicConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer<typeof RAW_TOPICS.ingestRaw> | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    private readonly lifecycle: Lifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.INGEST_RAW_CONSUMER) return;
    this.consumer = new EventConsumer(this.kafka, {
      groupId: 'shelfcast-ingestion-raw',
      topics: [RAW_TOPICS.ingestRaw],
      deadLetterTopic: RAW_TOPICS.ingestDlq,
      producer: this.producer,
      logger: this.logger,
      topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
      handle: async (batch) => {
        const byTopic = new Map<string, RetailEvent[]>();
        for (const { event } of batch) {
          const topic = RETAIL_EVENT_TOPIC[event.type];
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
        }
        await Promise.all(
          [...byTopic].map(([topic, events]) =>
            this.producer.publish(topic as never, events as never, { validate: false }),
          ),
        );
      },
    });
    // Stop taking raw messages as soon as the service drains; the batch in flight finishes and commits.
    this.lifecycle.onDrain(() => this.consumer?.stop());
    void this.consumer.start();
  }

  /** Also when the application closes without a signal (tests, embedding). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
