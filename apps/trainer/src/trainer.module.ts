import { execFileSync } from 'node:child_process';

import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createPgPool, DbModule } from '@shelfcast/db';
import { featureStoreSettings } from '@shelfcast/feature-store';
import { KafkaModule } from '@shelfcast/kafka';
import {
  LOGGER,
  METRICS_REGISTRY,
  ObservabilityModule,
  type Logger,
  type Registry,
  type ServiceContext,
} from '@shelfcast/observability';
import { RedisModule } from '@shelfcast/queue';
import { RegistryClient } from '@shelfcast/registry-client';
import type { Pool } from 'pg';

import { AlertsConsumer } from './alerts/alerts.consumer';
import type { TrainerConfig } from './config';
import { queueContextProvider, TrainingQueue } from './queue/training-queue';
import { CancelBus } from './runs/cancel-bus';
import { RunsController } from './runs/runs.controller';
import { RunsRepository } from './runs/runs.repository';
import { RunsService } from './runs/runs.service';
import { SchedulesController } from './schedules/schedules.controller';
import { SchedulesService } from './schedules/schedules.service';
import { trainerMetrics } from './trainer.metrics';
import {
  CODE_VERSION,
  FEATURE_POOL,
  FEATURE_SETTINGS,
  QUEUE_CONTEXT,
  REGISTRY_CLIENT,
  TRAINER_CONFIG,
  TRAINER_METRICS,
} from './tokens';
import { FlowHandler } from './worker/flows.handler';
import { TrainHandler } from './worker/train.handler';
import { TrainingWorker } from './worker/training.worker';

@Injectable()
class PoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(FEATURE_POOL) private readonly pool: Pool) {}

  /** Runs after the worker has stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The code version recorded with each model: TRAINER_CODE_VERSION, else the git commit, else the package version. */
export function codeVersion(configured: string | undefined): string {
  if (configured) return configured;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return `shelfcast@${process.env.npm_package_version ?? '0.1.0'}`;
  }
}

/**
 * The trainer service: the training queue's worker (runs recorded in PostgreSQL, progress, cancellation,
 * retries, flows), the runs and schedules API, and alert-triggered retraining.
 */
@Module({})
export class TrainerModule {
  static register(config: TrainerConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: TrainerModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.fromEnv(config),
        RedisModule.fromEnv(config),
        KafkaModule.fromEnv(config),
      ],
      controllers: [RunsController, SchedulesController],
      providers: [
        { provide: TRAINER_CONFIG, useValue: config },
        { provide: FEATURE_SETTINGS, useFactory: () => featureStoreSettings(config) },
        {
          provide: FEATURE_POOL,
          inject: [LOGGER],
          useFactory: (logger: Logger) => {
            const pool = createPgPool({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              maxConnections: config.TRAINER_DB_CONNECTIONS,
              applicationName: 'shelfcast-trainer',
            });
            // An idle connection the server ended (a restart): the pool replaces it; the run in flight retries.
            pool.on('error', (e) => logger.warn({ err: e }, 'feature-store connection lost'));
            return pool;
          },
        },
        { provide: QUEUE_CONTEXT, useFactory: () => queueContextProvider(config) },
        { provide: REGISTRY_CLIENT, useFactory: () => new RegistryClient({ baseUrl: config.REGISTRY_URL }) },
        { provide: CODE_VERSION, useFactory: () => codeVersion(config.TRAINER_CODE_VERSION) },
        { provide: TRAINER_METRICS, inject: [METRICS_REGISTRY], useFactory: (r: Registry) => trainerMetrics(r) },
        PoolLifecycle,
        TrainingQueue,
        CancelBus,
        RunsRepository,
        RunsService,
        SchedulesService,
        TrainHandler,
        FlowHandler,
        TrainingWorker,
        AlertsConsumer,
      ],
    };
  }
}
