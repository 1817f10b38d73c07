import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { featuresHttpOptions } from './app';
import { FeaturesConfig } from './config';

const config = loadConfigOrExit('features', FeaturesConfig);
const ctx = createServiceContext('features', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...featuresHttpOptions(config, ctx), host: config.HOST, port: config.PORT }),
);
