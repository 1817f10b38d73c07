import { createHttpApp, type ServiceContext } from '@shelfcast/observability';

import type { IngestionConfig } from './config';
import { configureHttp } from './http';
import { IngestionModule } from './ingestion.module';

/** How the ingestion service is assembled: the same for `main` and for tests driving it through supertest. */
export function ingestionHttpOptions(config: IngestionConfig, ctx: ServiceContext) {
  return {
    ...ctx,
    module: IngestionModule.register(config, ctx),
    bodyLimit: config.INGEST_MAX_BODY_BYTES,
    configure: configureHttp,
  };
}

export function createIngestionApp(config: IngestionConfig, ctx: ServiceContext) {
  return createHttpApp(ingestionHttpOptions(config, ctx));
}
