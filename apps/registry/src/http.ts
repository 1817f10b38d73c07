import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveOpenApi } from '@shelfcast/observability';

import { registryOpenApi } from './docs/openapi';

/** Fastify-level set-up: the OpenAPI document at /openapi.json and its UI at /docs. */
export async function configureHttp(app: NestFastifyApplication): Promise<void> {
  await serveOpenApi(app, registryOpenApi());
}
