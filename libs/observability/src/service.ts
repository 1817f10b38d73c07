import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { INestApplicationContext } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { HttpErrorFilter } from './errors';
import { HealthRegistry, readiness } from './health.module';
import { Lifecycle } from './lifecycle';
import { createLogger, JsonNestLogger } from './logger';
import { createMetricsRegistry, httpMetrics } from './metrics';

export interface ServiceContext {
  name: string;
  logger: Logger;
  registry: Registry;
  lifecycle: Lifecycle;
  shutdownTimeoutMs: number;
}

export interface HttpServiceOptions extends ServiceContext {
  module: unknown;
  host: string;
  port: number;
  /** Largest request body in bytes (Fastify rejects bigger ones with 413). */
  bodyLimit?: number;
  /** Extra set-up on the Fastify instance before listening (content parsers, hooks). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Boots a Nest application on Fastify: JSON logs, request metrics, modules initialised before
 * the port opens, and a graceful stop on SIGTERM/SIGINT (readiness turns 503, work in flight finishes,
 * then connections close; a hard timeout bounds it).
 */
export async function runHttpService(options: HttpServiceOptions): Promise<NestFastifyApplication> {
  const app = await createHttpApp(options);
  await app.listen(options.port, options.host);
  const url = await app.getUrl();
  options.logger.info({ url, port: options.port }, `${options.name} listening`);
  handleSignals(options, () => app.close());
  return app;
}

/** The application of runHttpService, initialised but not listening (tests drive it through supertest). */
export async function createHttpApp(
  options: Omit<HttpServiceOptions, 'host' | 'port'>,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module as never, adapter, {
    logger: new JsonNestLogger(options.logger),
    bufferLogs: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  recordRequestMetrics(fastify, options.registry);
  // Nest's Fastify adapter hands errors raised before a controller runs (body parsing, limits, unknown
  // routes) to the same filter, so every error has the platform's body.
  app.useGlobalFilters(new HttpErrorFilter(options.logger));
  await options.configure?.(app);
  await app.init();
  await fastify.ready();
  return app;
}

export interface WorkerServiceOptions extends ServiceContext {
  module: unknown;
  host: string;
  /** Side port for /health/live, /health/ready and /metrics. */
  metricsPort: number;
}

/** Boots a headless Nest application context, with health and metrics on a small side server. */
export async function runWorkerService(
  options: WorkerServiceOptions,
): Promise<{ app: INestApplicationContext; side: FastifyInstance }> {
  const app = await NestFactory.createApplicationContext(options.module as never, {
    logger: new JsonNestLogger(options.logger),
    abortOnError: false,
  });
  await app.init();
  const health = app.get(HealthRegistry);
  const side = Fastify({ forceCloseConnections: true });
  side.get('/health/live', async () => ({ status: 'ok' }));
  side.get('/health/ready', async (_req, reply) => {
    const { code, body } = await readiness(options.lifecycle, health.list());
    return reply.code(code).send(body);
  });
  side.get('/metrics', async (_req, reply) =>
    reply.header('content-type', options.registry.contentType).send(await options.registry.metrics()),
  );
  await side.listen({ port: options.metricsPort, host: options.host });
  options.logger.info({ port: options.metricsPort }, `${options.name} started; health and metrics on the side port`);
  handleSignals(options, async () => {
    await app.close();
    await side.close();
  });
  return { app, side };
}

function recordRequestMetrics(fastify: FastifyInstance, registry: Registry): void {
  const metrics = httpMetrics(registry);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

function handleSignals(ctx: ServiceContext, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, `${ctx.name} stopping: draining work in flight`);
    const timer = setTimeout(() => {
      ctx.logger.error({ timeoutMs: ctx.shutdownTimeoutMs }, `${ctx.name} did not stop in time; exiting`);
      process.exit(1);
    }, ctx.shutdownTimeoutMs);
    timer.unref();
    try {
      await ctx.lifecycle.beginDrain();
      await close();
      ctx.logger.info(`${ctx.name} stopped`);
      ctx.logger.flush?.();
      process.exit(0);
    } catch (e) {
      ctx.logger.error({ err: e }, `${ctx.name} failed to stop cleanly`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Logger, metrics registry and lifecycle of one service process. */
export function createServiceContext(
  name: string,
  config: { LOG_LEVEL: string; SHUTDOWN_TIMEOUT_MS: number },
): ServiceContext {
  return {
    name,
    logger: createLogger(name, config.LOG_LEVEL),
    registry: createMetricsRegistry(name),
    lifecycle: new Lifecycle(),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * Runs a service's main: checks that must pass before anything starts (database reachable and migrated),
 * then the start function. Any failure is logged as one fatal JSON line and the process exits 1.
 */
export async function runMain(
  ctx: ServiceContext,
  preflight: Array<() => Promise<void>>,
  start: () => Promise<unknown>,
): Promise<void> {
  try {
    for (const check of preflight) await check();
    await start();
  } catch (e) {
    ctx.logger.fatal({ err: e }, `${ctx.name} cannot start: ${(e as Error).message}`);
    ctx.logger.flush?.();
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}
