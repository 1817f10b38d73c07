import { Controller, Get, Inject, Injectable, Module, Res, type DynamicModule } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { runHealthChecks, type HealthCheck, type ReadinessReport } from './health';

/** The readiness probes of one service: each infrastructure module registers its own. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(check: HealthCheck): void {
    this.checks.set(check.name, check);
  }

  list(): HealthCheck[] {
    return [...this.checks.values()];
  }
}
import { Lifecycle } from './lifecycle';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const LOGGER = Symbol('LOGGER');

/** Liveness, readiness and Prometheus output, independent of the HTTP framework (the headless trainer reuses them). */
export async function readiness(
  lifecycle: Lifecycle,
  checks: HealthCheck[],
): Promise<{ code: number; body: ReadinessReport }> {
  if (lifecycle.draining) {
    return { code: 503, body: { status: 'unavailable', down: ['shutting-down'], checks: {} } };
  }
  const body = await runHealthChecks(checks);
  return { code: body.status === 'ok' ? 200 : 503, body };
}

@Controller()
export class HealthController {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly health: HealthRegistry,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { code, body } = await readiness(this.lifecycle, this.health.list());
    await reply.code(code).send(body);
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', this.registry.contentType).send(await this.registry.metrics());
  }
}

export interface ObservabilityOptions {
  logger: Logger;
  registry: Registry;
  lifecycle: Lifecycle;
  /** Serve /health and /metrics through Nest controllers (false for headless workers with a side port). */
  http: boolean;
}

/** Global module: the logger, the metrics registry, the lifecycle and the readiness probes of one service. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: options.http ? [HealthController] : [],
      providers: [
        { provide: LOGGER, useValue: options.logger },
        { provide: METRICS_REGISTRY, useValue: options.registry },
        { provide: Lifecycle, useValue: options.lifecycle },
        HealthRegistry,
      ],
      exports: [LOGGER, METRICS_REGISTRY, Lifecycle, HealthRegistry],
    };
  }
}
