/**
 * `npm run bench:features`: sustained events/s from the retail topics to committed aggregates in
 * PostgreSQL and refreshed online vectors in Redis, through the features service as its own process
 * (as deployed), against, in the same run, on the same servers and the same records:
 * - a bare kafkajs consumer that reads and JSON-parses every record (the limit of reading the topics);
 * - a bare COPY of the same events, as rows with the columns of retail_events, into a plain table
 *   (the limit of persisting them).
 * Then the online read latency of the vectors the service wrote: one series (GET) and 100 series (MGET)
 * through OnlineStore, decode included, p50 / p99, once the service has stopped; and one series over the
 * service's HTTP API while it runs. Next to them an anchor from the issue: a widely used open feature
 * store's tuned online server, p99 4.6 ms for one row, 1.7 ms with precomputed vectors.
 * The CPU seconds each process group used during the service's run are recorded (Linux /proc): on a
 * small machine, other work running meanwhile shows there and the bench warns.
 *
 * Env: BENCH_STORES, BENCH_SKUS, BENCH_DAYS (size of the simulated chain), BENCH_PROFILE=1 (the service
 * runs with --cpu-prof into /tmp/fprof), KAFKA_BROKERS, DATABASE_URL, REDIS_URL.
 * Writes bench/results/features.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { featureStoreEnv } from '@shelfcast/config';
import { RETAIL_EVENT_TOPIC, retailEventRecord, TOPIC_SPECS, type RetailEvent } from '@shelfcast/contracts';
import { applyMigrations } from '@shelfcast/db';
import {
  businessDate,
  featureStoreSettings,
  OnlineRefresher,
  OnlineStore,
  type PendingSeries,
  eventColumns,
} from '@shelfcast/feature-store';
import { prefixed, waitForLeaders } from '@shelfcast/kafka';
import { createRedis } from '@shelfcast/queue';
import { simulateRetail } from '@shelfcast/simulation';
import { Kafka, logLevel, Partitioners, type Admin, type Message } from 'kafkajs';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';

const ROOT = path.resolve(__dirname, '../..');
const STORES = Number(process.env.BENCH_STORES ?? 10);
const SKUS = Number(process.env.BENCH_SKUS ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 105);
const PARTITIONS = 6;
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROFILE_DIR = '/tmp/fprof';
/** The service (and the bare consumer) must have taken everything within this. */
const CATCH_UP_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 50;
const SINGLE_READS = 5_000;
const MANY_READS = 1_000;
const HTTP_READS = 2_000;
const ANCHOR = { p99OneRowMs: 4.6, p99PrecomputedMs: 1.7 };

/** The service's feature set, from the same variables it is given. */
const FEATURE_ENV = { FEATURES_FREQUENCY: 'daily', FEATURES_MEASURE: 'units' } as const;
/** The service's consumer group (without the topic prefix, which kafkajs callers prepend). */
const SERVICE_GROUP = 'shelfcast-features';

const tag = `benchf${Date.now().toString(36)}`;
const topicPrefix = `${tag}.`;
const RETAIL_TOPICS = [...new Set(Object.values(RETAIL_EVENT_TOPIC))];
const physicalRetailTopics = RETAIL_TOPICS.map((t) => prefixed(topicPrefix, t));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v: number) => Number(v.toFixed(3));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Events and their Kafka records

function generate(): RetailEvent[] {
  const events = [...simulateRetail({ stores: STORES, skus: SKUS, days: DAYS, seed: 7, source: 'bench-sim' }).events()];
  if (events.length === 0) throw new Error('the simulation produced no events');
  return events;
}

/** The records as ingestion writes them: topic by event type, key, JSON value, the four headers. */
function records(events: readonly RetailEvent[]): Map<string, Message[]> {
  const byTopic = new Map<string, Message[]>();
  for (const e of events) {
    const { topic: logical, ...message } = retailEventRecord(e);
    const topic = prefixed(topicPrefix, logical);
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(message);
  }
  return byTopic;
}

async function produce(kafka: Kafka, byTopic: Map<string, Message[]>): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const chunks: Array<{ topic: string; messages: Message[] }> = [];
    for (const [topic, messages] of byTopic)
      for (let i = 0; i < messages.length; i += 2_000) chunks.push({ topic, messages: messages.slice(i, i + 2_000) });
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++];
          await producer.send({ ...chunk, acks: -1 });
        }
      }),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Sum of the end offsets per topic (the topics are fresh: every offset from 0 holds a record). */
async function endOffsets(admin: Admin): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  for (const topic of physicalRetailTopics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    out.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
  }
  return out;
}

/** Records the group has not committed yet, per topic. */
async function groupLag(
  admin: Admin,
  groupId: string,
  ends: Map<string, Map<number, number>>,
): Promise<Map<string, number>> {
  const committed = await admin.fetchOffsets({ groupId, topics: physicalRetailTopics });
  const lag = new Map<string, number>();
  for (const { topic, partitions } of committed) {
    const end = ends.get(topic);
    if (!end) continue;
    let left = 0;
    for (const [partition, high] of end) {
      const c = Number(partitions.find((p) => p.partition === partition)?.offset ?? -1);
      left += high - Math.max(0, c);
    }
    lag.set(topic, left);
  }
  for (const [topic, end] of ends)
    if (!lag.has(topic))
      lag.set(
        topic,
        [...end.values()].reduce((a, b) => a + b, 0),
      );
  return lag;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------
// The service

function startService(port: number, schema: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      '-r',
      '@swc-node/register',
      'apps/features/src/main.ts',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        KAFKA_BROKERS: BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: topicPrefix,
        KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
        REDIS_URL,
        REDIS_KEY_PREFIX: tag,
        ...FEATURE_ENV,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

async function waitReady(base: string, service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (service.exitCode !== null || service.signalCode !== null)
      throw new Error(`the features service exited (${service.exitCode ?? service.signalCode})`);
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the features service did not become ready in 120 s');
    await sleep(POLL_MS);
  }
}

async function stopService(service: ChildProcess): Promise<void> {
  if (service.exitCode !== null || service.signalCode !== null) return;
  const exited = new Promise((r) => service.once('exit', r));
  service.kill('SIGTERM');
  const timer = setTimeout(() => service.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The features_* series of the service's /metrics, summed over labels. */
async function serviceMetrics(base: string): Promise<Record<string, number>> {
  const text = await fetch(`${base}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(shelfcast_features_\w+?)(?:\{([^}]*)\})? ([\d.e+-]+)$/.exec(line);
    if (!m || m[1].endsWith('_bucket')) continue;
    const name = m[2]?.includes('outcome=') ? `${m[1]}{${m[2]}}` : m[1];
    out[name] = (out[name] ?? 0) + Number(m[3]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Where the CPU went (Linux /proc): per process group, and how busy the whole machine was

const CLOCK_TICKS = 100;

interface CpuSnapshot {
  /** pid -> [command, user + system ticks] */
  procs: Map<number, [string, number]>;
  busy: number;
  total: number;
}

function cpuSnapshot(): CpuSnapshot | null {
  try {
    const procs = new Map<number, [string, number]>();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const fields = stat.slice(close + 2).split(' ');
        procs.set(Number(entry), [comm, Number(fields[11]) + Number(fields[12])]);
      } catch {
        // the process ended meanwhile
      }
    }
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return { procs, busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * CPU seconds each group of processes used between two snapshots, and the machine's busy share.
 * `postgres` counts every PostgreSQL process (other work on the server included);
 * `postgres_service_backends` only the backends that served the service's connections.
 */
function cpuUse(
  before: CpuSnapshot | null,
  after: CpuSnapshot | null,
  servicePid: number | undefined,
  serviceBackends: ReadonlySet<number> = new Set(),
) {
  if (!before || !after) return null;
  const groups: Record<string, number> = {
    features_service: 0,
    postgres: 0,
    postgres_service_backends: 0,
    kafka: 0,
    redis: 0,
    bench: 0,
    other: 0,
  };
  const others = new Map<string, number>();
  for (const [pid, [comm, ticks]] of after.procs) {
    const prev = before.procs.get(pid);
    const used = ticks - (prev && prev[0] === comm ? prev[1] : 0);
    if (used <= 0) continue;
    const group =
      pid === servicePid
        ? 'features_service'
        : pid === process.pid
          ? 'bench'
          : comm.startsWith('postgres')
            ? 'postgres'
            : comm === 'java'
              ? 'kafka'
              : comm.startsWith('redis')
                ? 'redis'
                : 'other';
    groups[group] += used / CLOCK_TICKS;
    if (serviceBackends.has(pid)) groups.postgres_service_backends += used / CLOCK_TICKS;
    if (group === 'other') others.set(comm, (others.get(comm) ?? 0) + used / CLOCK_TICKS);
  }
  for (const k of Object.keys(groups)) groups[k] = Number(groups[k].toFixed(2));
  return {
    cpu_seconds: groups,
    /** The busiest other commands: work that ran meanwhile (tests, builds). */
    other_top: Object.fromEntries(
      [...others]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([k, v]) => [k, Number(v.toFixed(2))]),
    ),
    machine_busy_share: Number(((after.busy - before.busy) / (after.total - before.total)).toFixed(3)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Bare consumer: the limit of reading the topics

async function bareConsumer(kafka: Kafka, expected: number): Promise<{ seconds: number; messages: number }> {
  const consumer = kafka.consumer({
    groupId: `${tag}.bare`,
    maxBytesPerPartition: 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    for (const topic of physicalRetailTopics) await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let parsed = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const started = performance.now();
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = JSON.parse(m.value?.toString('utf8') ?? 'null') as { id?: string } | null;
          if (v?.id) parsed++;
          seen++;
        }
        if (seen >= expected) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CATCH_UP_TIMEOUT_MS)));
    const outcome = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      throw new Error(`bare consumer saw ${seen} of ${expected} records in ${CATCH_UP_TIMEOUT_MS / 1000} s`);
    const seconds = (performance.now() - started) / 1000;
    if (parsed !== expected) throw new Error(`bare consumer parsed ${parsed} events, expected ${expected}`);
    return { seconds, messages: seen };
  } finally {
    await consumer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// Bare COPY: the limit of persisting the rows

const COPY_COLUMNS =
  'source, id, type, store_id, sku, event_time, business_date, arrived_at, quantity, amount, data' as const;

/** A value in COPY's text format. */
function text(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : v;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** quantity x unit price, exactly (unit prices have at most 4 decimals). */
function amount(quantity: number, unitPrice: string): string {
  if (!Number.isInteger(quantity)) return String(quantity * Number(unitPrice));
  const [int, frac = ''] = unitPrice.split('.');
  const scaled = BigInt(int + frac.padEnd(4, '0')) * BigInt(quantity);
  const sign = scaled < 0n ? '-' : '';
  const abs = (scaled < 0n ? -scaled : scaled).toString().padStart(5, '0');
  return `${sign}${abs.slice(0, -4)}.${abs.slice(-4)}`;
}

/** One row as the consumer writes it to retail_events (same derivation of every column). */
function row(e: RetailEvent, arrivedAt: string): string {
  const { storeId, sku, quantity, unitPrice } = eventColumns(e);
  const amt = unitPrice === null ? null : amount(Number(quantity), unitPrice);
  return [
    text(e.source),
    text(e.id),
    text(e.type),
    text(storeId),
    text(sku),
    text(e.time),
    businessDate(e.time),
    arrivedAt,
    text(quantity),
    text(amt),
    text(JSON.stringify(e.data)),
  ].join('\t');
}

async function bareCopy(pool: Pool, events: readonly RetailEvent[]): Promise<{ seconds: number; rows: number }> {
  const client = await pool.connect();
  try {
    await client.query(`CREATE TABLE copy_target (LIKE retail_events INCLUDING DEFAULTS)`);
    const arrivedAt = new Date().toISOString();
    function* chunks(): Generator<string> {
      for (let i = 0; i < events.length; i += 1_000) {
        let s = '';
        for (const e of events.slice(i, i + 1_000)) s += `${row(e, arrivedAt)}\n`;
        yield s;
      }
    }
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY copy_target (${COPY_COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from(chunks()), copy);
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM copy_target');
    if (rows[0].n !== events.length) throw new Error(`COPY wrote ${rows[0].n} rows, expected ${events.length}`);
    return { seconds, rows: rows[0].n };
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const schema = tag;
  const pool = new Pool({ connectionString: DATABASE_URL, max: 4, options: `-c search_path="${schema}"` });
  const kafka = new Kafka({ brokers: BROKERS, clientId: 'bench-features', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const redis = createRedis(REDIS_URL);
  let service: ChildProcess | undefined;
  let schemaCreated = false;
  await admin.connect();

  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
    schemaCreated = true;
    await applyMigrations({ url: DATABASE_URL, schema });

    // Every platform topic under the prefix: the service also publishes features.updated and dead letters.
    const topics = TOPIC_SPECS.map((t) => prefixed(topicPrefix, t.name));
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
    });
    await waitForLeaders(admin, topics);

    let t = performance.now();
    let events = generate();
    const eventCount = events.length;
    const generateSeconds = (performance.now() - t) / 1000;
    const distinct = new Set(events.map((e) => `${e.source}\u0000${e.id}`)).size;
    t = performance.now();
    await produce(kafka, records(events));
    const produceSeconds = (performance.now() - t) / 1000;
    const ends = await endOffsets(admin);
    const onTopics = [...ends.values()].reduce((n, p) => n + [...p.values()].reduce((a, b) => a + b, 0), 0);
    if (onTopics !== eventCount) throw new Error(`${onTopics} records on the topics, expected ${eventCount}`);
    process.stdout.write(
      `${eventCount} events (${distinct} distinct) of ${STORES} stores x ${SKUS} SKUs x ${DAYS} days, generated in ${generateSeconds.toFixed(1)} s, ` +
        `produced to ${RETAIL_TOPICS.length} topics x ${PARTITIONS} partitions in ${produceSeconds.toFixed(1)} s\n`,
    );

    // The limit of reading: the same records, a bare consumer, nothing else running.
    const bare = await bareConsumer(kafka, eventCount);
    const bareRate = bare.messages / bare.seconds;
    process.stdout.write(`bare consumer: ${Math.round(bareRate)} events/s (${bare.seconds.toFixed(2)} s)\n`);

    // Ours: the service from ready until every record is committed and every dirty series refreshed.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    service = startService(port, schema);
    await waitReady(base, service);
    const started = performance.now();
    const cpuBefore = cpuSnapshot();
    const groupId = prefixed(topicPrefix, SERVICE_GROUP);
    const atReady = eventCount - total(await groupLag(admin, groupId, ends));

    const settings = featureStoreSettings(z.object(featureStoreEnv).parse(FEATURE_ENV));
    const store = new OnlineStore(redis, settings.featureSet, `${tag}:`);
    const refresher = new OnlineRefresher(pool, store, { measure: settings.measure, horizon: settings.horizon });

    // The service's PostgreSQL backends (its pool names itself): their CPU is the service's
    // database work, apart from whatever else the server does meanwhile.
    const serviceBackends = new Set<number>();
    let backendsAt = -Infinity;
    const collectBackends = async () => {
      const { rows } = await pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'shelfcast-features' AND datname = current_database()`,
      );
      for (const r of rows) serviceBackends.add(r.pid);
      backendsAt = performance.now();
    };
    await collectBackends();
    let aggregatesAt: number | undefined;
    let firstCommitAt: number | undefined;
    let lag = new Map<string, number>();
    let pending: PendingSeries | undefined;
    for (;;) {
      if (service.exitCode !== null || service.signalCode !== null)
        throw new Error(`the features service exited (${service.exitCode ?? service.signalCode})`);
      const now = performance.now();
      if (now - started > CATCH_UP_TIMEOUT_MS) {
        throw new Error(
          `the features service did not catch up in ${CATCH_UP_TIMEOUT_MS / 60_000} min: ` +
            `${total(lag)} records uncommitted (${[...lag].map(([k, v]) => `${k.slice(topicPrefix.length)} ${v}`).join(', ')}), ` +
            (pending ? `${pending.dirty} series dirty, ${pending.stale} stale` : 'online vectors not checked yet'),
        );
      }
      if (now - backendsAt > 500) await collectBackends();
      if (aggregatesAt === undefined) {
        lag = await groupLag(admin, groupId, ends);
        const left = total(lag);
        if (firstCommitAt === undefined && left < eventCount) firstCommitAt = performance.now();
        if (left === 0) aggregatesAt = performance.now();
      }
      if (aggregatesAt !== undefined) {
        // online_dirty empty, and no series with vectors at an older anchor than the final watermark's.
        pending = await refresher.pending();
        if (pending.dirty === 0 && pending.stale === 0) break;
      }
      await sleep(POLL_MS);
    }
    const seconds = (performance.now() - started) / 1000;
    await collectBackends();
    const cpu = cpuUse(cpuBefore, cpuSnapshot(), service.pid, serviceBackends);
    const aggregatesSeconds = ((aggregatesAt ?? 0) - started) / 1000;
    const firstCommitSeconds = ((firstCommitAt ?? started) - started) / 1000;
    const metrics = await serviceMetrics(base);

    // Correctness: every distinct event once, every series with a vector at the final anchor.
    const { rows: counts } = await pool.query<{ events: number; series: number; daily: number }>(
      `SELECT (SELECT count(*)::int FROM retail_events) AS events, (SELECT count(*)::int FROM series) AS series,
              (SELECT count(*)::int FROM series_daily) AS daily`,
    );
    if (counts[0].events !== distinct)
      throw new Error(`retail_events holds ${counts[0].events} rows, expected ${distinct} distinct events`);
    let keys = 0;
    for await (const batch of redis.scanStream({ match: `${tag}:fv:*`, count: 1000 }) as AsyncIterable<string[]>)
      keys += batch.length;
    const { rows: series } = await pool.query<{ store_id: string; sku: string }>(
      'SELECT store_id, sku FROM series ORDER BY store_id, sku',
    );
    if (keys !== counts[0].series)
      throw new Error(`Redis holds ${keys} keys ${tag}:fv:*, expected one per series (${counts[0].series})`);
    const refs = series.map((r) => ({ storeId: r.store_id, sku: r.sku }));
    const finalAnchor = await refresher.currentAnchor();
    for (let i = 0; i < refs.length; i += 500) {
      const vectors = await store.readMany(refs.slice(i, i + 500));
      const bad = vectors.findIndex((v) => v === null || v.anchor !== finalAnchor);
      if (bad >= 0)
        throw new Error(
          `online vector of ${refs[i + bad].storeId}|${refs[i + bad].sku} is ${vectors[bad] ? `at anchor ${vectors[bad].anchor}` : 'missing'}, expected anchor ${finalAnchor}`,
        );
    }
    const rate = eventCount / seconds;
    process.stdout.write(
      `features service: ${Math.round(rate)} events/s to aggregates + online vectors (${seconds.toFixed(2)} s; ` +
        `aggregates committed at ${aggregatesSeconds.toFixed(2)} s, first commit at ${firstCommitSeconds.toFixed(2)} s); ` +
        `${counts[0].events} events, ${counts[0].series} series, ${counts[0].daily} series-days verified\n`,
    );
    if (cpu)
      process.stdout.write(
        `CPU seconds meanwhile: ${Object.entries(cpu.cpu_seconds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; machine ${Math.round(cpu.machine_busy_share * 100)} % busy (${os.cpus().length} cores)\n`,
      );
    if (cpu && cpu.cpu_seconds.other > 0.1 * seconds * os.cpus().length)
      process.stdout.write(
        `warning: other processes took ${cpu.cpu_seconds.other} CPU seconds during the run (of ${(seconds * os.cpus().length).toFixed(1)}): the figures are low\n`,
      );

    // Online reads over HTTP through the service (idle now), as a client of the service sees them.
    const pick = () => refs[Math.floor(Math.random() * refs.length)];
    const pickMany = (n: number) => {
      const out = new Set<(typeof refs)[number]>();
      while (out.size < Math.min(n, refs.length)) out.add(pick());
      return [...out];
    };
    const time = async (n: number, fn: () => Promise<unknown>) => {
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await fn();
        lat.push(performance.now() - t0);
      }
      return lat.sort((a, b) => a - b);
    };
    const readHttp = async () => {
      const r = pick();
      const res = await fetch(`${base}/v1/features/online/${r.storeId}/${r.sku}`);
      if (res.status !== 200) throw new Error(`GET online vector answered ${res.status}`);
      await res.arrayBuffer();
    };
    await time(200, readHttp);
    const http = await time(HTTP_READS, readHttp);

    await stopService(service);

    // The limit of persisting: the same events as rows, one COPY, the service stopped.
    const copy = await bareCopy(pool, events);
    const copyRate = copy.rows / copy.seconds;
    process.stdout.write(`bare COPY: ${Math.round(copyRate)} rows/s (${copy.seconds.toFixed(2)} s)\n`);
    events = []; // the reads below should not pay for collecting a heap that holds every event

    // Online reads with the library the service serves them with, straight from the service's Redis.
    const readOne = async () => {
      if (!(await store.read(pick()))) throw new Error('an online vector is missing');
    };
    const readHundred = async () => {
      if ((await store.readMany(pickMany(100))).some((v) => v === null)) throw new Error('an online vector is missing');
    };
    await time(1_000, readOne);
    await time(100, readHundred);
    const readsCpuBefore = cpuSnapshot();
    const single = await time(SINGLE_READS, readOne);
    const many = await time(MANY_READS, readHundred);
    const readsCpu = cpuUse(readsCpuBefore, cpuSnapshot(), undefined);
    if (readsCpu && readsCpu.cpu_seconds.other + readsCpu.cpu_seconds.postgres + readsCpu.cpu_seconds.kafka > 0.5)
      process.stdout.write(
        `warning: other processes were busy during the reads (${JSON.stringify(readsCpu.cpu_seconds)} CPU seconds): the tails are wider\n`,
      );

    const result = {
      events_per_s: Math.round(rate),
      bare_consumer_events_per_s: Math.round(bareRate),
      copy_rows_per_s: Math.round(copyRate),
      online_read_p50_ms: ms(percentile(single, 50)),
      online_read_p99_ms: ms(percentile(single, 99)),
      online_read_100_p50_ms: ms(percentile(many, 50)),
      online_read_100_p99_ms: ms(percentile(many, 99)),
      online_http_read_p50_ms: ms(percentile(http, 50)),
      online_http_read_p99_ms: ms(percentile(http, 99)),
      ratio_to_bare_consumer: Number((rate / bareRate).toFixed(3)),
      ratio_to_copy: Number((rate / copyRate).toFixed(3)),
      seconds: Number(seconds.toFixed(3)),
      aggregates_seconds: Number(aggregatesSeconds.toFixed(3)),
      aggregates_events_per_s: Math.round(eventCount / aggregatesSeconds),
      first_commit_seconds: Number(firstCommitSeconds.toFixed(3)),
      committed_at_ready: atReady,
      bare_consumer_seconds: Number(bare.seconds.toFixed(3)),
      copy_seconds: Number(copy.seconds.toFixed(3)),
      events: eventCount,
      distinct_events: distinct,
      series: counts[0].series,
      series_days: counts[0].daily,
      stores: STORES,
      skus: SKUS,
      days: DAYS,
      topics: RETAIL_TOPICS.length,
      partitions: PARTITIONS,
      feature_set: settings.featureSet.fingerprint,
      features: settings.featureSet.numFeatures,
      horizon: settings.horizon,
      service_batches: metrics.shelfcast_features_batch_seconds_count ?? null,
      service_batch_seconds_sum: Number((metrics.shelfcast_features_batch_seconds_sum ?? 0).toFixed(3)),
      service_refreshed_series: metrics.shelfcast_features_online_refreshed_total ?? null,
      service_refresh_chunks: metrics.shelfcast_features_refresh_seconds_count ?? null,
      service_refresh_seconds_sum: Number((metrics.shelfcast_features_refresh_seconds_sum ?? 0).toFixed(3)),
      service_run_cpu: cpu,
      online_read_p999_ms: ms(percentile(single, 99.9)),
      online_read_max_ms: ms(single[single.length - 1]),
      online_read_100_max_ms: ms(many[many.length - 1]),
      reads_cpu: readsCpu,
      read_samples: { single: SINGLE_READS, many_100: MANY_READS, http: HTTP_READS },
      anchor: {
        description: "a widely used open feature store's tuned online server (from the issue)",
        p99_one_row_ms: ANCHOR.p99OneRowMs,
        p99_precomputed_ms: ANCHOR.p99PrecomputedMs,
      },
      goals: { events_per_s: 20_000, online_read_p99_ms: 2 },
      machine: `${os.cpus().length} cores, Node ${process.versions.node}`,
      at: new Date().toISOString(),
    };

    console.table({
      'features service': {
        'events/s': result.events_per_s,
        seconds: result.seconds,
        'vs bare consumer': result.ratio_to_bare_consumer,
        'vs COPY': result.ratio_to_copy,
      },
      '  of which aggregates committed': {
        'events/s': result.aggregates_events_per_s,
        seconds: result.aggregates_seconds,
        'vs bare consumer': Number((result.aggregates_events_per_s / bareRate).toFixed(3)),
        'vs COPY': Number((result.aggregates_events_per_s / copyRate).toFixed(3)),
      },
      'bare kafkajs consumer (limit)': {
        'events/s': result.bare_consumer_events_per_s,
        seconds: result.bare_consumer_seconds,
        'vs bare consumer': 1,
        'vs COPY': Number((bareRate / copyRate).toFixed(3)),
      },
      'bare COPY to PostgreSQL': {
        'events/s': result.copy_rows_per_s,
        seconds: result.copy_seconds,
        'vs bare consumer': Number((copyRate / bareRate).toFixed(3)),
        'vs COPY': 1,
      },
    });
    console.table({
      'OnlineStore.read, 1 series': {
        'p50 ms': result.online_read_p50_ms,
        'p99 ms': result.online_read_p99_ms,
        'anchor p99 ms': `${ANCHOR.p99OneRowMs} (${ANCHOR.p99PrecomputedMs} precomputed)`,
      },
      'OnlineStore.readMany, 100 series': {
        'p50 ms': result.online_read_100_p50_ms,
        'p99 ms': result.online_read_100_p99_ms,
        'anchor p99 ms': '-',
      },
      'HTTP GET via the service, 1 series': {
        'p50 ms': result.online_http_read_p50_ms,
        'p99 ms': result.online_http_read_p99_ms,
        'anchor p99 ms': `${ANCHOR.p99OneRowMs} (${ANCHOR.p99PrecomputedMs} precomputed)`,
      },
    });
    process.stdout.write(
      `goals: events_per_s >= 20000: ${result.events_per_s >= 20_000 ? 'met' : 'NOT met'}; ` +
        `online_read_p99_ms < 2: ${result.online_read_p99_ms < 2 ? 'met' : 'NOT met'}\n`,
    );
    const out = path.join(ROOT, 'bench/results/features.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    if (service) await stopService(service).catch(() => undefined);
    const cleanup: Array<[string, () => Promise<unknown>]> = [
      [
        'topics',
        async () => {
          const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
          if (topics.length) await admin.deleteTopics({ topics });
        },
      ],
      [
        'consumer groups',
        () => admin.deleteGroups([prefixed(topicPrefix, SERVICE_GROUP), `${tag}.bare`]).catch(() => undefined),
      ],
      ['schema', async () => schemaCreated && pool.query(`DROP SCHEMA "${schema}" CASCADE`)],
      [
        'redis keys',
        async () => {
          for await (const batch of redis.scanStream({ match: `${tag}:*`, count: 1000 }) as AsyncIterable<string[]>)
            if (batch.length) await redis.unlink(...batch);
        },
      ],
    ];
    for (const [what, run] of cleanup)
      await run().catch((e: unknown) => console.error(`cleanup of ${what} failed: ${(e as Error).message}`));
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
