import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { registryHttpOptions } from './app';
import { RegistryConfig } from './config';

const config = loadConfigOrExit('registry', RegistryConfig);
const ctx = createServiceContext('registry', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...registryHttpOptions(config, ctx), host: config.HOST, port: config.PORT }),
);
