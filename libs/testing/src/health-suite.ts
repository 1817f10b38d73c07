import { TOPIC_SPECS } from '@shelfcast/contracts';
import { Kafka, logLevel } from 'kafkajs';

import { createTestSchema, type TestSchema } from './database';
import { freePort, startService, type AppName, type ServiceProcess } from './process';
import { testPrefix, testServers, uniqueName } from './servers';

export type Dependency = 'kafka' | 'postgres' | 'redis';

export interface HealthSuiteOptions {
  dependencies: Dependency[];
  /** The variable that sets the port serving /health (PORT, or METRICS_PORT for a headless worker). */
  portVariable?: 'PORT' | 'METRICS_PORT';
}

/**
 * The contract every service keeps, tested on the real servers with the service as its own process:
 * it boots and reports ready; it reports 503 naming a dependency on a closed port; it refuses to start
 * on bad configuration or an unreachable database; it stops cleanly on SIGTERM.
 */
export function describeServiceContract(app: AppName, options: HealthSuiteOptions): void {
  const portVariable = options.portVariable ?? 'PORT';
  let schema: TestSchema;
  const running: ServiceProcess[] = [];

  let topicPrefix = '';
  const prefixes: string[] = [];

  async function boot(env: Record<string, string | undefined> = {}) {
    const port = await freePort();
    topicPrefix = testPrefix(app);
    prefixes.push(topicPrefix);
    const service = startService(app, {
      [portVariable]: String(port),
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_TOPIC_PARTITIONS: '2',
      REDIS_URL: testServers.redisUrl,
      REDIS_KEY_PREFIX: `test:${uniqueName(app)}`,
      ...env,
    });
    running.push(service);
    return { service, base: `http://127.0.0.1:${port}` };
  }

  describe(`${app} service contract`, () => {
    beforeAll(async () => {
      schema = await createTestSchema(app);
    });

    afterEach(async () => {
      await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    });

    afterAll(async () => {
      if (options.dependencies.includes('kafka')) await deleteTopics(prefixes);
      await schema?.drop();
    });

    it('boots, reports ready with every dependency up, serves metrics, and stops cleanly on SIGTERM', async () => {
      const { service, base } = await boot();
      await service.waitFor(`${base}/health/ready`, 200);
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as {
        checks: Record<string, { status: string }>;
      };
      expect(Object.keys(ready.checks).sort()).toEqual([...options.dependencies].sort());
      expect(Object.values(ready.checks).every((c) => c.status === 'up')).toBe(true);
      expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: 'ok' });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`shelfcast_process_cpu_user_seconds_total{service="${app}"}`);

      if (options.dependencies.includes('kafka')) {
        // The platform creates its topics at start, with the configured partitions.
        const created = await waitForTopics(topicPrefix, TOPIC_SPECS.length);
        expect(created.map((t) => t.name.slice(topicPrefix.length)).sort()).toEqual(
          TOPIC_SPECS.map((t) => t.name).sort(),
        );
        expect(created.every((t) => t.partitions === 2)).toBe(true);
      }

      expect(await service.stop('SIGTERM')).toBe(0);
      const logs = service.lines.map((l) => JSON.parse(l) as { level: string; msg: string; service: string });
      expect(logs.every((l) => l.service === app)).toBe(true);
      expect(logs.map((l) => l.msg)).toContain(`${app} stopped`);
    });

    for (const dependency of options.dependencies.filter((d) => d !== 'postgres')) {
      it(`reports 503 naming ${dependency} when ${dependency} is on a closed port`, async () => {
        const closed = await freePort();
        const env =
          dependency === 'kafka'
            ? { KAFKA_BROKERS: `127.0.0.1:${closed}` }
            : { REDIS_URL: `redis://127.0.0.1:${closed}` };
        const { service, base } = await boot(env);
        await service.waitFor(`${base}/health/live`, 200);
        await service.waitFor(`${base}/health/ready`, 503);
        const body = (await (await fetch(`${base}/health/ready`)).json()) as {
          down: string[];
          checks: Record<string, { error?: string }>;
        };
        expect(body.down).toEqual([dependency]);
        expect(body.checks[dependency].error).toBeTruthy();
      });
    }

    it('refuses to start when the database is unreachable, and says so', async () => {
      const closed = await freePort();
      const { service } = await boot({ DATABASE_URL: `postgresql://postgres:s3cret@127.0.0.1:${closed}/shelfcast` });
      expect(await service.exited).toBe(1);
      const output = service.lines.join('\n');
      expect(output).toContain('database unreachable');
      expect(output).not.toContain('s3cret');
    });

    it('refuses to start while migrations are pending, and says so', async () => {
      const empty = await createTestSchema(`${app}_empty`, false);
      try {
        const { service } = await boot({ DATABASE_SCHEMA: empty.schema });
        expect(await service.exited).toBe(1);
        expect(service.lines.join('\n')).toMatch(/pending migration.*npm run db:migrate/);
      } finally {
        await empty.drop();
      }
    });

    it('exits non-zero naming a missing or malformed variable', async () => {
      const missing = await boot({ NODE_ENV: 'production', DATABASE_URL: undefined });
      expect(await missing.service.exited).toBe(1);
      expect(missing.service.lines.join('\n')).toContain('DATABASE_URL: is required when NODE_ENV=production');

      const malformed = await boot({ [portVariable]: 'eighty' });
      expect(await malformed.service.exited).toBe(1);
      expect(malformed.service.lines.join('\n')).toContain(`${portVariable}: `);
    });
  });
}

function testAdmin() {
  return new Kafka({ brokers: testServers.kafkaBrokers, clientId: 'test-admin', logLevel: logLevel.NOTHING }).admin();
}

async function waitForTopics(prefix: string, count: number, timeoutMs = 30000) {
  const admin = testAdmin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (names.length >= count || Date.now() > deadline) {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        return topics.map((t) => ({ name: t.name, partitions: t.partitions.length }));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(prefixes: string[]) {
  const admin = testAdmin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
