import { Module, type DynamicModule } from '@nestjs/common';
import { DbModule } from '@shelfcast/db';
import { ObservabilityModule, type ServiceContext } from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';

import type { TrainerConfig } from './config';

/** The trainer service: runs training, backtest and tuning jobs from BullMQ. */
@Module({})
export class TrainerModule {
  static register(config: TrainerConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: TrainerModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: false }),
        DbModule.fromEnv(config),
        RedisModule.fromEnv(config),
      ],
    };
  }
}
