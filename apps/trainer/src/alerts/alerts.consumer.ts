import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RAW_TOPICS, TOPICS } from '@shelfcast/contracts';
import { EventConsumer, EventProducer, KAFKA } from '@shelfcast/kafka';
import { Lifecycle, LOGGER, type Logger } from '@shelfcast/observability';
import type { Kafka } from 'kafkajs';

import type { TrainerConfig } from '../config';
import { RunsService } from '../runs/runs.service';
import type { TrainerMetrics } from '../trainer.metrics';
import { TRAINER_CONFIG, TRAINER_METRICS } from '../tokens';

/**
 * Alert-triggered retraining: accuracy-degraded and data-drift alerts naming a model enqueue a
 * retraining with that model's latest successful spec, at most one pending per model. Offsets are
 * committed after the jobs are queued, so an alert is never lost; one seen twice is deduplicated.
 */
@Injectable()
export class AlertsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer<typeof TOPICS.alerts> | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    private readonly lifecycle: Lifecycle,
    private readonly runs: RunsService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
    @Inject(TRAINER_METRICS) private readonly metrics: TrainerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.TRAINER_ALERTS) return;
    this.consumer = new EventConsumer(this.kafka, {
      groupId: this.config.TRAINER_ALERTS_GROUP,
      topics: [TOPICS.alerts],
      deadLetterTopic: RAW_TOPICS.trainerDlq,
      producer: this.producer,
      logger: this.logger,
      topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
      // A new group starts from the earliest alert kept: none is lost while the group is created;
      // the deduplication keeps a burst of old alerts to one retraining per model.
      fromBeginning: true,
      handle: async (batch) => {
        for (const message of batch) {
          const { outcome } = await this.runs.retrainFromAlert(message.event);
          this.metrics.alerts.inc({ outcome });
        }
      },
    });
    this.lifecycle.onDrain(() => this.consumer?.stop());
    void this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
