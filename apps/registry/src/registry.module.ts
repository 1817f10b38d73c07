import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createPgPool, DbModule, PRISMA, type PrismaClient } from '@shelfcast/db';
import { EventProducer, KafkaModule } from '@shelfcast/kafka';
import {
  LOGGER,
  METRICS_REGISTRY,
  ObservabilityModule,
  type Logger,
  type Registry,
  type ServiceContext,
} from '@shelfcast/observability';
import type { Pool } from 'pg';

import { PostgresArtifactStore, type ArtifactStore } from './artifacts/artifact-store';
import type { RegistryConfig } from './config';
import { OutboxRelay } from './outbox/relay';
import { registryMetrics, type RegistryMetrics } from './registry.metrics';
import { RegistryController } from './registry/registry.controller';
import { ModelRegistry } from './registry/registry.service';
import { ARTIFACT_STORE, PG_POOL, REGISTRY_CONFIG, REGISTRY_METRICS } from './tokens';

/** Starts the outbox relay with the application and stops it before Kafka and PostgreSQL close. */
@Injectable()
class RelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.REGISTRY_OUTBOX_RELAY) this.relay.start();
  }

  /** Runs before any module's shutdown: the batch in flight is published and marked while Kafka is still there. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The registry service: keeps model versions, aliases, lineage and the outbox. */
@Module({})
export class RegistryModule {
  static register(config: RegistryConfig, ctx: ServiceContext): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        ObservabilityModule.forRoot({ ...ctx, http: true }),
        DbModule.forRoot({
          url: config.DATABASE_URL,
          schema: config.DATABASE_SCHEMA,
          maxConnections: config.REGISTRY_DB_CONNECTIONS,
        }),
        KafkaModule.fromEnv(config),
      ],
      controllers: [RegistryController],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: REGISTRY_METRICS, inject: [METRICS_REGISTRY], useFactory: (r: Registry) => registryMetrics(r) },
        {
          provide: PG_POOL,
          useFactory: () =>
            createPgPool({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              // The relay's batch, the pending gauges, and artifact reads and writes.
              maxConnections: 4,
              applicationName: 'shelfcast-registry',
            }),
        },
        {
          provide: ARTIFACT_STORE,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ArtifactStore => new PostgresArtifactStore(pool),
        },
        {
          provide: OutboxRelay,
          inject: [PG_POOL, EventProducer, REGISTRY_METRICS, LOGGER],
          useFactory: (pool: Pool, producer: EventProducer, metrics: RegistryMetrics, logger: Logger) => {
            const relay = new OutboxRelay(
              pool,
              producer,
              {
                pollMs: config.REGISTRY_OUTBOX_POLL_MS,
                batch: config.REGISTRY_OUTBOX_BATCH,
                retryMs: config.REGISTRY_OUTBOX_RETRY_MS,
                maxBackoffMs: config.REGISTRY_OUTBOX_MAX_BACKOFF_MS,
                retentionMs: config.REGISTRY_OUTBOX_RETENTION_HOURS * 3_600_000,
              },
              metrics,
              logger.child({ component: 'outbox-relay' }),
            );
            metrics.readPendingFrom(() => relay.pending());
            return relay;
          },
        },
        {
          provide: ModelRegistry,
          inject: [PRISMA, ARTIFACT_STORE, REGISTRY_METRICS, LOGGER, OutboxRelay],
          useFactory: (
            prisma: PrismaClient,
            artifacts: ArtifactStore,
            metrics: RegistryMetrics,
            logger: Logger,
            relay: OutboxRelay,
          ) =>
            new ModelRegistry(
              prisma,
              artifacts,
              {
                gate: { metric: config.REGISTRY_GATE_METRIC, margin: config.REGISTRY_GATE_MARGIN },
                maxArtifactBytes: config.REGISTRY_MAX_ARTIFACT_BYTES,
              },
              metrics,
              logger,
              () => relay.nudge(),
            ),
        },
        RelayLifecycle,
      ],
    };
  }
}
