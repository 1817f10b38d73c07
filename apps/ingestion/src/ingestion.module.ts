import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { KafkaModule } from '@shelfcast/kafka';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';

import type { IngestionConfig } from './config';

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
    };
  }
}
