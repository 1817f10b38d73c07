import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { RegistryConfig } from './config';
import { RegistryModule } from './registry.module';

const config = loadConfigOrExit('registry', RegistryConfig);
const ctx = createServiceContext('registry', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...ctx, module: RegistryModule.register(config, ctx), host: config.HOST, port: config.PORT }),
);
