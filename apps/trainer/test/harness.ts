/**
 * The trainer's integration environment on the real servers: a migrated schema holding synthetic
 * retail events written by the feature store's own writer, topics and a Redis prefix of its own, the
 * registry and trainer services as their own processes (as `npm start` runs them), and helpers to
 * drive the trainer's API and to hold the feature store still (a table lock) at a known stage.
 */
import os from 'node:os';

import { featureStoreEnv, loadConfig } from '@shelfcast/config';
import {
  TOPIC_CONTRACTS,
  TOPICS,
  type AlertRaised,
  type CreateRunRequestInput,
  type TrainingRunDetail,
} from '@shelfcast/contracts';
import { createPgPool } from '@shelfcast/db';
import { featureStoreSettings, writeEvents } from '@shelfcast/feature-store';
import { QUEUES } from '@shelfcast/queue';
import { RegistryClient } from '@shelfcast/registry-client';
import { simulateRetail, type SimulationOptions } from '@shelfcast/simulation';
import {
  createTestKafka,
  createTestSchema,
  freePort,
  startService,
  testRedisPrefix,
  testServers,
  type ServiceProcess,
} from '@shelfcast/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Partitioners } from 'kafkajs';
import { Client, type Pool } from 'pg';
import { z } from 'zod';

export const FEATURE_ENV = { FEATURES_FREQUENCY: 'daily', FEATURES_MEASURE: 'units', FEATURES_HORIZON: '14' };

/** What an answer may hold: the error body, or any JSON object. */
export type Answer = {
  error: { status: number; code: string; message: string; details?: Array<{ path: string; message: string }> };
} & Record<string, unknown>;

export interface TrainerProcess {
  service: ServiceProcess;
  base: string;
  /** `<host>:<pid>`, as the runs table records the worker. */
  worker: string;
}

export async function trainerEnvironment(
  label: string,
  sim: SimulationOptions = { stores: 2, skus: 6, days: 120, seed: 5 },
) {
  const schema = await createTestSchema(label);
  const kafka = await createTestKafka(label, [{ name: TOPICS.alerts }, { name: TOPICS.models }]);
  const redisKeys = testRedisPrefix(label);
  const pool: Pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 3 });
  const events = [...simulateRetail({ source: 'test-sim', ...sim }).events()];
  for (let i = 0; i < events.length; i += 5000)
    await writeEvents(
      pool,
      events.slice(i, i + 5000).map((event) => ({ event, arrivedAt: Date.parse(event.time) + 3_600_000 })),
    );
  const settings = featureStoreSettings(loadConfig(z.object(featureStoreEnv), FEATURE_ENV));
  const registryPort = await freePort();
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const env: Record<string, string> = {
    DATABASE_URL: schema.url,
    DATABASE_SCHEMA: schema.schema,
    KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    REDIS_URL: testServers.redisUrl,
    REDIS_KEY_PREFIX: redisKeys.prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ...FEATURE_ENV,
  };
  const processes: ServiceProcess[] = [];
  const connection = new Redis(testServers.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.training, { connection, prefix: redisKeys.prefix });
  const registry = new RegistryClient({ baseUrl: registryUrl, maxRetries: 2 });
  let lock: Client | undefined;

  async function startRegistry(): Promise<ServiceProcess> {
    const service = startService('registry', {
      ...env,
      PORT: String(registryPort),
      REGISTRY_OUTBOX_POLL_MS: '200',
      LOG_LEVEL: 'warn',
    });
    processes.push(service);
    await service.waitFor(`${registryUrl}/health/live`, 200, 240_000);
    return service;
  }

  async function startTrainer(extra: Record<string, string> = {}): Promise<TrainerProcess> {
    const port = await freePort();
    const service = startService('trainer', {
      ...env,
      PORT: String(port),
      REGISTRY_URL: registryUrl,
      TRAINER_LOCK_MS: '15000',
      TRAINER_STALLED_INTERVAL_MS: '1000',
      TRAINER_CANCEL_POLL_MS: '250',
      TRAINER_PROGRESS_INTERVAL_MS: '100',
      TRAINER_BACKOFF_MS: '300',
      TRAINER_ATTEMPTS: '4',
      TRAINER_CODE_VERSION: 'test',
      ...extra,
    });
    processes.push(service);
    const base = `http://127.0.0.1:${port}`;
    await service.waitFor(`${base}/health/ready`, 200, 240_000);
    return { service, base, worker: `${os.hostname()}:${service.child.pid}` };
  }

  async function call(base: string, method: string, path: string, body?: unknown) {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Answer };
  }

  return {
    schema,
    kafka,
    pool,
    settings,
    env,
    queue,
    registry,
    registryUrl,
    startRegistry,
    startTrainer,
    call,
    /** A train spec on this store's feature set, small enough to train in seconds. */
    trainSpec(modelName: string, extra: Record<string, unknown> = {}) {
      return {
        modelName,
        family: 'gbdt',
        featureSetVersion: settings.featureSet.fingerprint,
        horizon: 7,
        backtest: { windows: 2, step: 7 },
        hyperParameters: { numTrees: 25, trainAnchors: 14 },
        requestedBy: 'test',
        ...extra,
      };
    },
    async startRun(base: string, request: CreateRunRequestInput | Record<string, unknown>): Promise<string> {
      const { status, body } = await call(base, 'POST', '/v1/runs', request);
      if (status !== 202) throw new Error(`POST /v1/runs answered ${status}: ${JSON.stringify(body)}`);
      return body.id as string;
    },
    async run(base: string, id: string): Promise<TrainingRunDetail> {
      const { status, body } = await call(base, 'GET', `/v1/runs/${encodeURIComponent(id)}`);
      if (status !== 200) throw new Error(`GET /v1/runs/${id} answered ${status}: ${JSON.stringify(body)}`);
      return body as unknown as TrainingRunDetail;
    },
    /** Polls the run until `check` holds; fails with the run as it last was. */
    async waitForRun(
      base: string,
      id: string,
      what: string,
      check: (run: TrainingRunDetail) => boolean,
      timeoutMs = 240_000,
    ): Promise<TrainingRunDetail> {
      const deadline = Date.now() + timeoutMs;
      let last: TrainingRunDetail | undefined;
      for (;;) {
        last = await this.run(base, id);
        if (check(last)) return last;
        if (Date.now() > deadline)
          throw new Error(
            `run ${id} did not become ${what} within ${timeoutMs} ms: ${JSON.stringify(last).slice(0, 3000)}`,
          );
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    /**
     * Holds the feature store, starts a train run and waits until it is running and reading its
     * dataset (held there until `releaseFeatureStore`).
     */
    async startHeldRun(base: string, spec: Record<string, unknown>): Promise<TrainingRunDetail> {
      await this.holdFeatureStore();
      const id = await this.startRun(base, { kind: 'train', spec });
      return this.waitForRun(base, id, 'reading its dataset', (r) => r.status === 'running' && r.stage === 'dataset');
    },
    /** Holds every read of the feature store's events (ACCESS EXCLUSIVE lock) until `release`. */
    async holdFeatureStore(): Promise<void> {
      lock = new Client({ connectionString: schema.url });
      await lock.connect();
      await lock.query(`SET search_path TO "${schema.schema}"`);
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE retail_events IN ACCESS EXCLUSIVE MODE');
    },
    async releaseFeatureStore(): Promise<void> {
      if (!lock) return;
      await lock.query('COMMIT');
      await lock.end();
      lock = undefined;
    },
    /** Ends the trainer's own database sessions (its feature-store pool), as a database restart would. */
    async terminateTrainerSessions(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'shelfcast-trainer'`,
      );
      return rows[0].n;
    },
    async publishAlert(data: AlertRaised['data']): Promise<void> {
      const producer = kafka.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        const event: AlertRaised = {
          id: `alert-${Date.now()}-${Math.random().toString(36).slice(2)}`,
          type: 'shelfcast.alert.raised.v1',
          source: 'test',
          time: new Date().toISOString(),
          data,
        } as AlertRaised;
        await producer.send({
          topic: kafka.prefix + TOPICS.alerts,
          acks: -1,
          messages: [{ key: TOPIC_CONTRACTS[TOPICS.alerts].key(event), value: JSON.stringify(event) }],
        });
      } finally {
        await producer.disconnect();
      }
    },
    /** A counter's value on a service's /metrics (0 when absent). */
    async metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
      const text = await (await fetch(`${base}/metrics`)).text();
      const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (want.every((w) => line.includes(w))) return Number(line.split(' ').pop());
      }
      return 0;
    },
    async waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    /** Events of the queue's event stream for one job (BullMQ keeps them in a Redis stream). */
    async jobEvents(jobId: string): Promise<string[]> {
      const entries = (await connection.xrange(`${redisKeys.prefix}:${QUEUES.training}:events`, '-', '+')) as Array<
        [string, string[]]
      >;
      const out: string[] = [];
      for (const [, fields] of entries) {
        const map = new Map<string, string>();
        for (let i = 0; i < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
        if (map.get('jobId') === jobId) out.push(map.get('event') ?? '');
      }
      return out;
    },
    async stopAll(): Promise<void> {
      await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    },
    async close(): Promise<void> {
      await this.releaseFeatureStore().catch(() => undefined);
      await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
      await queue.close();
      connection.disconnect();
      await pool.end();
      await kafka.cleanup().catch(() => undefined);
      await redisKeys.cleanup();
      await schema.drop();
    },
  };
}

export type TrainerEnvironment = Awaited<ReturnType<typeof trainerEnvironment>>;
