import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { KafkaModule } from '@shelfcast/kafka';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';

import type { AdminApiConfig } from './config';

/** The admin-api service: the internal control plane for ops teams. */
@Module({})
export class AdminApiModule {
  static register(config: AdminApiConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: AdminApiModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
    };
  }
}
