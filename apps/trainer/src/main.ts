import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { trainerHttpOptions } from './app';
import { TrainerConfig } from './config';

const config = loadConfigOrExit('trainer', TrainerConfig);
const ctx = createServiceContext('trainer', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...trainerHttpOptions(config, ctx), host: config.HOST, port: config.PORT }),
);
