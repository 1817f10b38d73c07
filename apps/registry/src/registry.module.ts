import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { KafkaModule } from '@shelfcast/kafka';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';

import type { RegistryConfig } from './config';

/** The registry service: keeps model versions, aliases, lineage and the outbox. */
@Module({})
export class RegistryModule {
  static register(config: RegistryConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        KafkaModule.fromEnv(config),
      ],
    };
  }
}
