import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createPgPool, DbModule } from '@shelfcast/db';
import { featureStoreSettings, OnlineStore } from '@shelfcast/feature-store';
import { EventProducer, KafkaModule } from '@shelfcast/kafka';
import { METRICS_REGISTRY, ObservabilityModule, type Registry, type ServiceContext } from '@shelfcast/observability';
import { REDIS, REDIS_KEY_PREFIX, RedisModule, type Redis } from '@shelfcast/queue';
import type { Pool } from 'pg';

import type { FeaturesConfig } from './config';
import { ConsumerActivity } from './consume/consumer-activity';
import { FeaturesConsumer } from './consume/features.consumer';
import { featuresMetrics } from './features.metrics';
import { FeaturesController } from './online/features.controller';
import { createRefresher, RefreshLoop } from './online/refresh.loop';
import {
  CONSUMER_ACTIVITY,
  FEATURE_SETTINGS,
  FEATURES_CONFIG,
  FEATURES_METRICS,
  ONLINE_REFRESHER,
  ONLINE_STORE,
  PG_POOL,
} from './tokens';

@Injectable()
class PoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Runs after the consumer and the refresher have stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The features service: consumes events into exactly-once aggregates and online feature vectors. */
@Module({})
export class FeaturesModule {
  static register(config: FeaturesConfig, ctx: ServiceContext): DynamicModule {
    const settings = featureStoreSettings(config);
    return {
      module: FeaturesModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
      controllers: [FeaturesController],
      providers: [
        { provide: FEATURES_CONFIG, useValue: config },
        { provide: FEATURE_SETTINGS, useValue: settings },
        {
          provide: PG_POOL,
          useFactory: () =>
            createPgPool({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              maxConnections: config.FEATURES_DB_CONNECTIONS,
              applicationName: 'shelfcast-features',
            }),
        },
        {
          provide: ONLINE_STORE,
          inject: [REDIS, REDIS_KEY_PREFIX],
          useFactory: (redis: Redis, prefix: string) =>
            new OnlineStore(redis, settings.featureSet, prefix ? `${prefix}:` : ''),
        },
        { provide: CONSUMER_ACTIVITY, useValue: new ConsumerActivity(config.FEATURES_REFRESH_SETTLE_MS) },
        {
          provide: ONLINE_REFRESHER,
          inject: [PG_POOL, ONLINE_STORE, EventProducer, CONSUMER_ACTIVITY],
          useFactory: (pool: Pool, store: OnlineStore, producer: EventProducer, activity: ConsumerActivity) =>
            createRefresher(pool, store, settings, config, producer, activity),
        },
        { provide: FEATURES_METRICS, inject: [METRICS_REGISTRY], useFactory: (r: Registry) => featuresMetrics(r) },
        PoolLifecycle,
        FeaturesConsumer,
        RefreshLoop,
      ],
    };
  }
}
