import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { KafkaModule } from '@shelfcast/kafka';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';

import type { InferenceConfig } from './config';

/** The inference service: serves forecasts and replenishment from the production model. */
@Module({})
export class InferenceModule {
  static register(config: InferenceConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: InferenceModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
    };
  }
}
