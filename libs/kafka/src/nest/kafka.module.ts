import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { KafkaEnv } from '@shelfcast/config';
import { TOPIC_SPECS } from '@shelfcast/contracts';
import type { Kafka } from 'kafkajs';
import { HealthRegistry, LOGGER, type Logger } from '@shelfcast/observability';

import { ensureTopics, kafkaHealthCheck, type TopicDefaults } from '../core/admin';
import { createKafka } from '../core/client';
import { EventProducer } from '../core/producer';

export const KAFKA = Symbol('KAFKA');
export const KAFKA_HEALTH = Symbol('KAFKA_HEALTH');
const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaModuleOptions {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
  /** Create the platform's topics at start when missing (in the background while the broker is down). */
  ensureTopics: boolean;
  topicDefaults: TopicDefaults;
}

@Injectable()
class KafkaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly producer: EventProducer,
    @Inject(KAFKA_HEALTH) private readonly health: ReturnType<typeof kafkaHealthCheck>,
    @Inject(LOGGER) private readonly logger: Logger,
    registry: HealthRegistry,
  ) {
    registry.register(health);
  }

  onApplicationBootstrap(): void {
    this.producer.connectInBackground();
    if (this.options.ensureTopics) this.ensureTopicsInBackground(500);
  }

  private ensureTopicsInBackground(delay: number): void {
    ensureTopics(this.kafka, TOPIC_SPECS, this.options.topicDefaults, this.options.topicPrefix)
      .then((created) => {
        if (created.length) this.logger.info({ created }, 'created Kafka topics');
      })
      .catch((e: unknown) => {
        if (this.stopped) return;
        this.logger.warn({ err: e, retryInMs: delay }, 'cannot ensure Kafka topics yet');
        setTimeout(() => this.ensureTopicsInBackground(Math.min(delay * 2, 10000)), delay).unref();
      });
  }

  /** Runs after HTTP closed and consumers stopped: nothing in flight needs the producer any more. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([this.producer.disconnect(), this.health.close()]);
  }
}

/** Kafka client, the platform producer and the readiness probe, for one service. */
@Module({})
export class KafkaModule {
  /** Options from the validated KAFKA_* variables. */
  static fromEnv(env: KafkaEnv, ensure = true): DynamicModule {
    return KafkaModule.forRoot({
      brokers: env.KAFKA_BROKERS,
      clientId: env.KAFKA_CLIENT_ID,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      ensureTopics: ensure,
      topicDefaults: {
        partitions: env.KAFKA_TOPIC_PARTITIONS,
        retentionMs: env.KAFKA_TOPIC_RETENTION_MS,
        replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      },
    });
  }

  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: KAFKA,
          inject: [LOGGER],
          useFactory: (logger: Logger) => createKafka({ brokers: options.brokers, clientId: options.clientId, logger }),
        },
        {
          provide: EventProducer,
          inject: [KAFKA, LOGGER],
          useFactory: (kafka: Kafka, logger: Logger) =>
            new EventProducer(kafka, { logger, topicPrefix: options.topicPrefix }),
        },
        { provide: KAFKA_HEALTH, inject: [KAFKA], useFactory: (kafka: Kafka) => kafkaHealthCheck(kafka) },
        KafkaLifecycle,
      ],
      exports: [KAFKA, EventProducer, KAFKA_HEALTH],
    };
  }
}
