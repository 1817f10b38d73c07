/**
 * `npm run bench:ingestion`: events/s accepted through the ingestion service's HTTP API (batches of 500,
 * the service as its own process, as deployed) against a bare kafkajs producer sending the same events
 * as the same Kafka records (key, value, headers) with the same batch size and concurrency, in the same
 * run, on the same broker. Several rounds; medians.
 * Writes bench/results/ingestion.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { eventHeaders, TOPIC_SPECS, TOPICS, type SaleRecorded } from '@shelfcast/contracts';
import { ApiKeyRepository, applyMigrations, createPrismaClient } from '@shelfcast/db';
import { waitForLeaders } from '@shelfcast/kafka';
import { Redis } from 'ioredis';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '../..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 500;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Five rounds: on a shared machine the load moves between the halves of a round; the median of five
// holds steadier than that of three.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const tag = `bench${Date.now().toString(36)}`;

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined where there is
 * no /proc. Wall-clock rates are noisy on a shared machine: CPU seconds per event are the steadier figure.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}
/** CPU seconds a process has used so far (undefined where it cannot be read). */
type CpuProbe = () => Promise<number | undefined>;

const processProbe =
  (pid: number | undefined): CpuProbe =>
  async () =>
    cpuSeconds(pid);
/** Redis's own account of its CPU (INFO cpu), wherever it runs. */
const redisProbe =
  (redis: Redis): CpuProbe =>
  async () => {
    const info = await redis.info('cpu').catch(() => '');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const total = field('used_cpu_sys') + field('used_cpu_user');
    return Number.isFinite(total) ? total : undefined;
  };
/** The broker's pid when it is the local one of scripts/kafka/kafka.sh (for its share of the CPU). */
function brokerPid(): number | undefined {
  const file = path.join(process.env.KAFKA_RUN_DIR ?? path.join(ROOT, '.run/kafka'), 'kafka.pid');
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}
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

/** The processes whose CPU a round accounts for: the bench process itself is always measured. */
interface Probes {
  service?: CpuProbe;
  broker?: CpuProbe;
  redis?: CpuProbe;
}

interface Round {
  eventsPerS: number;
  latencies: number[];
  /**
   * CPU microseconds per event: this process (the HTTP sender, or the bare producer), the service
   * (HTTP rounds), the broker and Redis (shared with anything else using them at the time).
   */
  cpu: { sender: number; service?: number; broker?: number; redis?: number };
}

/**
 * Runs `send` over the batches with a fixed number in flight; returns events/s, per-batch latencies and
 * the CPU each process spent per event.
 */
async function drive<T>(all: T[][], send: (batch: T[]) => Promise<void>, probes: Probes = {}): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const names = ['service', 'broker', 'redis'] as const;
  const read = () => Promise.all(names.map((n) => probes[n]?.() ?? Promise.resolve(undefined)));
  const before = await read();
  const sender0 = process.cpuUsage();
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
  const sender = process.cpuUsage(sender0);
  const after = await read();
  const events = all.reduce((n, b) => n + b.length, 0);
  const perEvent = (i: number) => {
    const [b, a] = [before[i], after[i]];
    return b === undefined || a === undefined ? undefined : ((a - b) * 1e6) / events;
  };
  return {
    eventsPerS: events / seconds,
    latencies,
    cpu: {
      sender: (sender.user + sender.system) / events,
      service: perEvent(0),
      broker: perEvent(1),
      redis: perEvent(2),
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median of the figures that were measured (undefined where none was). */
const medianOf = (xs: Array<number | undefined>) => {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length ? Number(median(known).toFixed(2)) : undefined;
};
const fmt = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
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

  const http: Round[] = [];
  const bare: Round[] = [];
  const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const broker = processProbe(brokerPid());
  const probes = { service: processProbe(service.pid), broker, redis: redisProbe(redis) };
  try {
    // Warm-up: JIT, connections, topic metadata.
    await drive(batches(events(-1).slice(0, 5_000)), (b) => post(base, key, b));
    for (let round = 0; round < ROUNDS; round++) {
      const data = events(round);
      const bareData = data.map((e) => ({ ...e, id: `${e.id}-bare` }));
      // Alternate which goes first, so neither always gets the warmer machine.
      const runHttp = () => drive(batches(data), (b) => post(base, key, b), probes);
      const runBare = () =>
        drive(
          batches(bareData),
          async (b) => {
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
          },
          { broker },
        );
      if (round % 2 === 0) {
        http.push(await runHttp());
        bare.push(await runBare());
      } else {
        bare.push(await runBare());
        http.push(await runHttp());
      }
      const h = http[round];
      const b = bare[round];
      process.stdout.write(
        `round ${round + 1}: http ${Math.round(h.eventsPerS)} events/s (CPU µs/event: service ${fmt(h.cpu.service)}, ` +
          `sender ${fmt(h.cpu.sender)}, broker ${fmt(h.cpu.broker)}, redis ${fmt(h.cpu.redis)}), ` +
          `bare producer ${Math.round(b.eventsPerS)} events/s (producer ${fmt(b.cpu.sender)}, broker ${fmt(b.cpu.broker)})\n`,
      );
    }
  } finally {
    agent.destroy();
    await producer.disconnect();
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(tag));
    await admin.deleteTopics({ topics });
    await admin.disconnect();
    await prisma.$disconnect();
    await pg.query(`DROP SCHEMA "${schema}" CASCADE`);
    await pg.end();
    // The service's dedup marks and rate counters: hundreds of thousands of keys per run, which would
    // otherwise stay for the dedup window and slow the next runs' Redis.
    await deleteKeys(redis, `${tag}:*`);
    redis.disconnect();
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
    // CPU microseconds per event (medians of rounds): the service process, the bench process sending
    // HTTP, the bare producer (the bench process), and the broker and Redis under each (both may also be
    // serving others at the time).
    service_cpu_us_per_event: medianOf(http.map((r) => r.cpu.service)),
    http_sender_cpu_us_per_event: medianOf(http.map((r) => r.cpu.sender)),
    http_broker_cpu_us_per_event: medianOf(http.map((r) => r.cpu.broker)),
    http_redis_cpu_us_per_event: medianOf(http.map((r) => r.cpu.redis)),
    bare_producer_cpu_us_per_event: medianOf(bare.map((r) => r.cpu.sender)),
    bare_broker_cpu_us_per_event: medianOf(bare.map((r) => r.cpu.broker)),
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
      'CPU µs/event (own process)': result.service_cpu_us_per_event,
      'broker CPU µs/event': result.http_broker_cpu_us_per_event,
      'redis CPU µs/event': result.http_redis_cpu_us_per_event,
    },
    'bare kafkajs producer': {
      'events/s': result.bare_producer_events_per_s,
      'p50 batch ms': result.bare_p50_batch_ms,
      'p99 batch ms': result.bare_p99_batch_ms,
      'CPU µs/event (own process)': result.bare_producer_cpu_us_per_event,
      'broker CPU µs/event': result.bare_broker_cpu_us_per_event,
    },
  });
  process.stdout.write(`ratio http/bare: ${result.ratio}\n`);
  const out = path.join(ROOT, 'bench/results/ingestion.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * The back end's side: node:http with kept-alive connections (one per request in flight). fetch spent
 * about three times its CPU per request, CPU the service then lacked on a 2-core machine.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

async function post(base: string, key: string, batch: SaleRecorded[]): Promise<void> {
  const body = JSON.stringify(batch);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${base}/v1/events`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${key}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  const answer = JSON.parse(text) as { accepted?: number };
  if (status !== 202 || answer.accepted !== batch.length) throw new Error(`ingestion answered ${status}: ${text}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
