import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { AdminApiConfig } from './config';
import { AdminApiModule } from './admin-api.module';

const config = loadConfigOrExit('admin-api', AdminApiConfig);
const ctx = createServiceContext('admin-api', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...ctx, module: AdminApiModule.register(config, ctx), host: config.HOST, port: config.PORT }),
);
