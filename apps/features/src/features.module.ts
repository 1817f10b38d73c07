import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { KafkaModule } from '@shelfcast/kafka';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';

import type { FeaturesConfig } from './config';

/** The features service: consumes events into exactly-once aggregates and online feature vectors. */
@Module({})
export class FeaturesModule {
  static register(config: FeaturesConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: FeaturesModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
    };
  }
}
