import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { ingestionHttpOptions } from './app';
import { IngestionConfig } from './config';

const config = loadConfigOrExit('ingestion', IngestionConfig);
const ctx = createServiceContext('ingestion', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...ingestionHttpOptions(config, ctx), host: config.HOST, port: config.PORT }),
);
