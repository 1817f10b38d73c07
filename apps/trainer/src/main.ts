import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runWorkerService, runMain } from '@shelfcast/observability';

import { TrainerConfig } from './config';
import { TrainerModule } from './trainer.module';

const config = loadConfigOrExit('trainer', TrainerConfig);
const ctx = createServiceContext('trainer', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runWorkerService({
    ...ctx,
    module: TrainerModule.register(config, ctx),
    host: config.HOST,
    metricsPort: config.METRICS_PORT,
  }),
);
