/**
 * `npm run bench:ingestion`: events/s accepted through the ingestion service's HTTP API (batches of 500,
 * the service as its own process, as deployed) against a bare kafkajs producer sending the same events
 * as the same Kafka records (key, value, headers) with the same batch size and concurrency, in the same
 * run, on the same broker. Several rounds; medians.
 * Writes bench/results/ingestion.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { eventHeaders, TOPIC_SPECS, TOPICS, type SaleRecorded } from '@shelfcast/contracts';
import { ApiKeyRepository, applyMigrations, createPrismaClient } from '@shelfcast/db';
import { waitForLeaders } from '@shelfcast/kafka';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '../..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 500;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const tag = `bench${Date.now().toString(36)}`;
const SOURCE = 'bench-pos';

function events(round: number): SaleRecorded[] {
  return Array.from({ length: EVENTS }, (_, i) => ({
    id: `${tag}-${round}-${i}`,
    type: 'shelfcast.sale.recorded.v1',
    source: SOURCE,
    time: '2026-11-29T10:00:00+01:00',
    data: { storeId: `s${i % 50}`, sku: `sku-${i % 2000}`, quantity: 1 + (i % 5), unitPrice: '3.49', currency: 'EUR' },
  }));
}

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Runs `send` over the batches with a fixed number in flight; returns events/s and per-batch latencies. */
async function drive<T>(all: T[][], send: (batch: T[]) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < all.length) {
        const batch = all[next++];
        const t = performance.now();
        await send(batch);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerS: all.reduce((n, b) => n + b.length, 0) / seconds, latencies };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const schema = `${tag}`;
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  await pg.query(`CREATE SCHEMA "${schema}"`);
  await applyMigrations({ url: DATABASE_URL, schema });
  const prisma = createPrismaClient({ url: DATABASE_URL, schema, maxConnections: 1 });
  const { key } = await new ApiKeyRepository(prisma).create(SOURCE);

  const kafka = new Kafka({ brokers: BROKERS, clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const httpPrefix = `${tag}.http.`;
  const barePrefix = `${tag}.bare.`;
  const partitions = 6;
  const topics = [...TOPIC_SPECS.map((t) => httpPrefix + t.name), barePrefix + TOPICS.sales];
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  await waitForLeaders(admin, topics);

  const port = await freePort();
  const service = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
      '-r',
      '@swc-node/register',
      'apps/ingestion/src/main.ts',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        KAFKA_BROKERS: BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: httpPrefix,
        REDIS_URL,
        REDIS_KEY_PREFIX: tag,
        INGEST_RAW_CONSUMER: 'false',
        INGEST_RATE_LIMIT_PER_MINUTE: '1000000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 240) throw new Error('ingestion did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();

  const http: Array<{ eventsPerS: number; latencies: number[] }> = [];
  const bare: Array<{ eventsPerS: number; latencies: number[] }> = [];
  try {
    // Warm-up: JIT, connections, topic metadata.
    await drive(batches(events(-1).slice(0, 5_000)), (b) => post(base, key, b));
    for (let round = 0; round < ROUNDS; round++) {
      const data = events(round);
      const bareData = data.map((e) => ({ ...e, id: `${e.id}-bare` }));
      // Alternate which goes first, so neither always gets the warmer machine.
      const runHttp = () => drive(batches(data), (b) => post(base, key, b));
      const runBare = () =>
        drive(batches(bareData), async (b) => {
          await producer.send({
            topic: barePrefix + TOPICS.sales,
            acks: -1,
            // The very records the service writes: same key, value and headers.
            messages: b.map((e) => ({
              key: `${e.data.storeId}|${e.data.sku}`,
              value: JSON.stringify(e),
              headers: eventHeaders(e),
            })),
          });
        });
      if (round % 2 === 0) {
        http.push(await runHttp());
        bare.push(await runBare());
      } else {
        bare.push(await runBare());
        http.push(await runHttp());
      }
      process.stdout.write(
        `round ${round + 1}: http ${Math.round(http[round].eventsPerS)} events/s, bare producer ${Math.round(bare[round].eventsPerS)} events/s\n`,
      );
    }
  } finally {
    await producer.disconnect();
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(tag));
    await admin.deleteTopics({ topics });
    await admin.disconnect();
    await prisma.$disconnect();
    await pg.query(`DROP SCHEMA "${schema}" CASCADE`);
    await pg.end();
  }

  const httpRate = median(http.map((r) => r.eventsPerS));
  const bareRate = median(bare.map((r) => r.eventsPerS));
  const httpLat = http.flatMap((r) => r.latencies);
  const bareLat = bare.flatMap((r) => r.latencies);
  const result = {
    http_events_per_s: Math.round(httpRate),
    bare_producer_events_per_s: Math.round(bareRate),
    ratio: Number((httpRate / bareRate).toFixed(3)),
    p50_batch_ms: Number(percentile(httpLat, 50).toFixed(1)),
    p99_batch_ms: Number(percentile(httpLat, 99).toFixed(1)),
    bare_p50_batch_ms: Number(percentile(bareLat, 50).toFixed(1)),
    bare_p99_batch_ms: Number(percentile(bareLat, 99).toFixed(1)),
    events_per_round: EVENTS,
    batch_size: BATCH,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    partitions,
    machine: `${require('node:os').cpus().length} cores, Node ${process.versions.node}`,
    at: new Date().toISOString(),
  };
  console.table({
    'HTTP ingestion': {
      'events/s': result.http_events_per_s,
      'p50 batch ms': result.p50_batch_ms,
      'p99 batch ms': result.p99_batch_ms,
    },
    'bare kafkajs producer': {
      'events/s': result.bare_producer_events_per_s,
      'p50 batch ms': result.bare_p50_batch_ms,
      'p99 batch ms': result.bare_p99_batch_ms,
    },
  });
  process.stdout.write(`ratio http/bare: ${result.ratio}\n`);
  const out = path.join(ROOT, 'bench/results/ingestion.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}

async function post(base: string, key: string, batch: SaleRecorded[]): Promise<void> {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(batch),
  });
  const body = (await res.json()) as { accepted?: number };
  if (res.status !== 202 || body.accepted !== batch.length)
    throw new Error(`ingestion answered ${res.status}: ${JSON.stringify(body)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
