import { Module, type DynamicModule } from '@nestjs/common';
import { ApiKeyRepository, DbModule, PRISMA, type PrismaClient } from '@shelfcast/db';
import { EventProducer, KafkaModule } from '@shelfcast/kafka';
import {
  LOGGER,
  METRICS_REGISTRY,
  ObservabilityModule,
  type Logger,
  type Registry,
  type ServiceContext,
} from '@shelfcast/observability';
import { REDIS, REDIS_KEY_PREFIX, RedisModule, type Redis } from '@shelfcast/queue';

import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import type { IngestionConfig } from './config';
import { DedupStore } from './ingest/dedup.store';
import { EventsController } from './ingest/events.controller';
import { ingestMetrics } from './ingest/ingest.metrics';
import { IngestService } from './ingest/ingest.service';
import { RateLimiter } from './ingest/rate-limiter';
import { RawTopicConsumer } from './raw/raw.consumer';
import { INGESTION_CONFIG } from './tokens';

/** The ingestion service: validates, authenticates, de-duplicates and publishes retail events. */
@Module({})
export class IngestionModule {
  static register(config: IngestionConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
      controllers: [EventsController],
      providers: [
        { provide: INGESTION_CONFIG, useValue: config },
        {
          provide: ApiKeyAuthenticator,
          inject: [PRISMA, LOGGER],
          useFactory: (prisma: PrismaClient, logger: Logger) =>
            new ApiKeyAuthenticator(new ApiKeyRepository(prisma), config.INGEST_API_KEY_CACHE_MS, logger),
        },
        {
          provide: RateLimiter,
          inject: [REDIS, REDIS_KEY_PREFIX],
          useFactory: (redis: Redis, prefix: string) =>
            new RateLimiter(redis, prefix, config.INGEST_RATE_LIMIT_PER_MINUTE),
        },
        {
          provide: IngestService,
          inject: [EventProducer, REDIS, REDIS_KEY_PREFIX, METRICS_REGISTRY, LOGGER],
          useFactory: (producer: EventProducer, redis: Redis, prefix: string, registry: Registry, logger: Logger) =>
            new IngestService(
              producer,
              new DedupStore(redis, prefix, config.INGEST_DEDUP_WINDOW_S),
              { chunkEvents: config.INGEST_CHUNK_EVENTS, retryAfterS: config.INGEST_RETRY_AFTER_S },
              ingestMetrics(registry),
              logger,
            ),
        },
        RawTopicConsumer,
      ],
    };
  }
}
