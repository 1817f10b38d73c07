import http from 'node:http';

import { ApiKeyRepository, createPrismaClient } from '@shelfcast/db';
import {
  createTestKafka,
  createTestSchema,
  freePort,
  startService,
  testRedisPrefix,
  testServers,
  type ServiceProcess,
  type TestKafka,
  type TestSchema,
} from '@shelfcast/testing';

import { SOURCE, sale } from './harness';

describe('ingestion stops gracefully on SIGTERM', () => {
  let schema: TestSchema;
  let kafka: TestKafka;
  let service: ServiceProcess | undefined;
  const redis = testRedisPrefix('shutdown');

  beforeAll(async () => {
    schema = await createTestSchema('shutdown');
    kafka = await createTestKafka('shutdown');
  });
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await kafka?.cleanup();
    await redis.cleanup();
    await schema?.drop();
  });

  it('finishes the request in flight, refuses new work, and exits 0', async () => {
    const prisma = createPrismaClient({ url: schema.url, schema: schema.schema, maxConnections: 1 });
    const { key } = await new ApiKeyRepository(prisma).create(SOURCE);
    await prisma.$disconnect();
    const port = await freePort();
    service = startService('ingestion', {
      PORT: String(port),
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: kafka.prefix,
      REDIS_URL: testServers.redisUrl,
      REDIS_KEY_PREFIX: redis.prefix,
    });
    const base = `http://127.0.0.1:${port}`;
    await service.waitFor(`${base}/health/ready`, 200);

    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(sale(i)));
    const response = new Promise<{ status: number; body: { accepted: number } }>((resolve, reject) => {
      const req = http.request(
        `${base}/v1/events`,
        { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(`${lines.slice(0, 1000).join('\n')}\n`);
      // The signal arrives while the body is still streaming in.
      setTimeout(() => {
        service!.child.kill('SIGTERM');
        setTimeout(() => req.end(`${lines.slice(1000).join('\n')}\n`), 500);
      }, 300);
    });

    const res = await response;
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2000);
    expect(await service.exited).toBe(0);
    const logs = service.lines.join('\n');
    expect(logs).toContain('ingestion stopping: draining work in flight');
    expect(logs).toContain('ingestion stopped');
    // Nothing answers any more.
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});
