import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RAW_TOPICS, RETAIL_EVENT_TOPIC, type RetailEvent } from '@shelfcast/contracts';
import { writeEvents } from '@shelfcast/feature-store';
import { EventConsumer, EventProducer, KAFKA } from '@shelfcast/kafka';
import { Lifecycle, LOGGER, type Logger } from '@shelfcast/observability';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';

import type { FeaturesConfig } from '../config';
import type { FeaturesMetrics } from '../features.metrics';
import { CONSUMER_ACTIVITY, FEATURES_CONFIG, FEATURES_METRICS, PG_POOL } from '../tokens';
import type { ConsumerActivity } from './consumer-activity';

export const RETAIL_TOPICS = [...new Set(Object.values(RETAIL_EVENT_TOPIC))];
type RetailTopic = (typeof RETAIL_TOPICS)[number];

/**
 * The aggregating consumer: each batch (one partition) is written in one transaction (events
 * inserted once by source + id, aggregates, dirty marks, watermark), and its offsets are committed
 * only after that. A crash anywhere replays the batch, and the replay adds nothing twice.
 */
@Injectable()
export class FeaturesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer<RetailTopic> | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    private readonly lifecycle: Lifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FEATURES_CONFIG) private readonly config: FeaturesConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(FEATURES_METRICS) private readonly metrics: FeaturesMetrics,
    @Inject(CONSUMER_ACTIVITY) private readonly activity: ConsumerActivity,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.FEATURES_CONSUME) return;
    this.consumer = new EventConsumer(this.kafka, {
      groupId: this.config.FEATURES_CONSUMER_GROUP,
      topics: RETAIL_TOPICS,
      deadLetterTopic: RAW_TOPICS.featuresDlq,
      producer: this.producer,
      logger: this.logger,
      topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
      partitionsConsumedConcurrently: this.config.FEATURES_PARTITIONS_CONCURRENTLY,
      maxBytesPerPartition: this.config.FEATURES_MAX_BATCH_BYTES,
      handle: async (batch) => {
        this.activity.batchStarted();
        try {
          const end = this.metrics.batchSeconds.startTimer();
          const result = await writeEvents(
            this.pool,
            batch.map((m) => ({ event: m.event as RetailEvent, arrivedAt: m.timestamp })),
          );
          end();
          this.metrics.consumed.inc({ outcome: 'inserted' }, result.inserted);
          if (result.duplicates > 0) this.metrics.consumed.inc({ outcome: 'duplicate' }, result.duplicates);
        } finally {
          this.activity.batchEnded();
        }
      },
    });
    this.activity.started();
    this.lifecycle.onDrain(() => this.consumer?.stop());
    void this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
