import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveOpenApi } from '@shelfcast/observability';

import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { ingestionOpenApi } from './docs/openapi';
import { CSV_TYPES, NDJSON_TYPES } from './ingest/events.controller';
import { RateLimiter } from './ingest/rate-limiter';

/**
 * Fastify-level set-up, before routes exist: the API key is checked (and the rate limit taken) when a
 * request arrives, before its body is read; NDJSON and CSV bodies are handed over as streams;
 * the OpenAPI document is served at /openapi.json and its UI at /docs.
 */
export async function configureHttp(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const authenticator = app.get(ApiKeyAuthenticator);
  const limiter = app.get(RateLimiter);

  fastify.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return;
    const identity = await authenticator.authenticate(request.headers);
    await limiter.take(identity.id);
    (request as typeof request & { identity?: unknown }).identity = identity;
  });

  for (const type of [...NDJSON_TYPES, ...CSV_TYPES]) {
    fastify.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  await serveOpenApi(app, ingestionOpenApi());
}
