import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Serves a service's OpenAPI document at /openapi.json and its UI at /docs. */
export async function serveOpenApi(app: NestFastifyApplication, document: Record<string, unknown>): Promise<void> {
  await app.register(fastifySwagger as never, { mode: 'static', specification: { document } });
  await app.register(fastifySwaggerUi as never, { routePrefix: '/docs' });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', async () => document);
}
