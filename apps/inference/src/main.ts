import 'reflect-metadata';

import { loadConfigOrExit } from '@shelfcast/config';
import { assertMigrationsApplied } from '@shelfcast/db';
import { createServiceContext, runHttpService, runMain } from '@shelfcast/observability';

import { InferenceConfig } from './config';
import { InferenceModule } from './inference.module';

const config = loadConfigOrExit('inference', InferenceConfig);
const ctx = createServiceContext('inference', config);

void runMain(ctx, [() => assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA })], () =>
  runHttpService({ ...ctx, module: InferenceModule.register(config, ctx), host: config.HOST, port: config.PORT }),
);
