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

  async function boot(env: Record<string, string | undefined> = {}) {
    const port = await freePort();
    const service = startService(app, {
      [portVariable]: String(port),
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: testPrefix(app),
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
