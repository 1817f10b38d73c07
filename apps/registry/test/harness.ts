import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@shelfcast/config';
import { TOPICS, type GateReport, type ModelEvent, type RegisterVersionInput } from '@shelfcast/contracts';
import { PRISMA, type PrismaClient } from '@shelfcast/db';
import { createServiceContext } from '@shelfcast/observability';
import { artifactUpload, RegistryClient } from '@shelfcast/registry-client';
import { createTestKafka, createTestSchema, readTopic, testServers } from '@shelfcast/testing';

import { createRegistryApp } from '../src/app';
import { RegistryConfig } from '../src/config';

/** What an answer may hold: the error body, or any JSON object. */
export type AnswerBody = {
  error: {
    status: number;
    code: string;
    message: string;
    details?: Array<{ path: string; message: string }>;
    gate?: GateReport;
  };
} & Record<string, unknown>;

/**
 * The registry app in this process on the real PostgreSQL and Kafka, with a schema and topics of its own,
 * listening on a free port; `client` is the typed client pointed at it.
 */
export async function startRegistry(env: Record<string, string> = {}, brokers = testServers.kafkaBrokers) {
  const schema = await createTestSchema('registry');
  const kafka = await createTestKafka('registry', [{ name: TOPICS.models }], brokers);
  const config = loadConfig(RegistryConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: schema.url,
    DATABASE_SCHEMA: schema.schema,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    REGISTRY_OUTBOX_POLL_MS: '200',
    REGISTRY_OUTBOX_MAX_BACKOFF_MS: '1000',
    ...env,
  });
  const app: NestFastifyApplication = await createRegistryApp(config, createServiceContext('registry', config));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const client = new RegistryClient({ baseUrl: base, maxRetries: 0 });
  const topic = kafka.prefix + TOPICS.models;

  /** Messages on the models topic so far (high watermarks summed). */
  async function topicSize(): Promise<number> {
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  return {
    app,
    base,
    client,
    config,
    kafka,
    prisma: app.get<PrismaClient>(PRISMA),
    /** `count` model events from the start of the topic, in partition order. */
    async events(count: number, timeoutMs = 60_000): Promise<Array<{ key: string | null; event: ModelEvent }>> {
      const messages = await readTopic(kafka.kafka, topic, count, timeoutMs);
      return messages
        .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))
        .map((m) => ({ key: m.key, event: JSON.parse(m.value) as ModelEvent }));
    },
    topicSize,
    /** A request with any method and body, for the answers the typed client would not send. */
    async http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: json as AnswerBody };
    },
    async close() {
      await app.close();
      await kafka.cleanup().catch(() => undefined);
      await schema.drop();
    },
  };
}
export type Registry = Awaited<ReturnType<typeof startRegistry>>;

export const WINDOWS = 'win-2024-q1';

export interface RegistrationOptions {
  wape?: number;
  naive?: number;
  windowsKey?: string;
  bytes?: Buffer;
  tags?: Record<string, string>;
  family?: string;
}

/** A valid registration of run `runId` whose backtest has `wape` against seasonal naive's `naive`. */
export function registration(runId: string, options: RegistrationOptions = {}): RegisterVersionInput {
  const wape = options.wape ?? 0.2;
  const naive = options.naive ?? 0.3;
  const bytes = options.bytes ?? Buffer.concat([Buffer.from('onnx:'), randomBytes(64)]);
  return {
    runId,
    artifact: artifactUpload(bytes),
    family: options.family ?? 'gbdt',
    signature: {
      inputs: [{ name: 'features', type: 'float32', shape: [null, 3] }],
      outputs: [{ name: 'quantiles', type: 'float32', shape: [null, 3] }],
      featureSet: 'retail@1+2c61bd19abfd',
      features: ['lag_7', 'rolling_mean_28', 'promo'],
      frequency: 'daily',
      horizon: 14,
      quantiles: [0.1, 0.5, 0.9],
      target: { transform: 'scaled', scale: 'rolling_mean_28' },
      postprocess: { conformal: { '0.1': [-1.2], '0.9': [1.4] } },
    },
    hyperParameters: { learningRate: 0.05, trees: 200, loss: 'tweedie', earlyStopping: true },
    metrics: {
      windows: {
        key: options.windowsKey ?? WINDOWS,
        cutoffs: ['2024-01-07', '2024-02-04', '2024-03-03'],
        horizon: 14,
        series: 120,
      },
      model: { wape, mae: wape * 10, rmse: wape * 14, bias: -0.01 },
      seasonalNaive: { wape: naive, mae: naive * 10, rmse: naive * 14, bias: 0.02 },
    },
    dataset: {
      from: '2022-01-01',
      to: '2024-03-03',
      cutoff: '2024-03-03',
      knownAt: '2024-03-04T00:00:00Z',
      rows: 95_000,
      series: 120,
      contentHash: createHash('sha256').update(runId).digest('hex').slice(0, 16),
    },
    codeVersion: 'abc1234',
    createdBy: 'trainer',
    tags: options.tags ?? { team: 'forecasting' },
    description: `run ${runId}`,
  };
}
