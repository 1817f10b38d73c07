import { createHttpApp, type ServiceContext } from '@shelfcast/observability';

import type { TrainerConfig } from './config';
import { configureHttp } from './http/configure';
import { TrainerModule } from './trainer.module';

/** How the trainer service is assembled: the same for `main` and for tests driving it in-process. */
export function trainerHttpOptions(config: TrainerConfig, ctx: ServiceContext) {
  return { ...ctx, module: TrainerModule.register(config, ctx), configure: configureHttp };
}

export function createTrainerApp(config: TrainerConfig, ctx: ServiceContext) {
  return createHttpApp(trainerHttpOptions(config, ctx));
}
