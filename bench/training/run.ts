/**
 * `npm run bench:training`: one `retrain-all` over 3,000 synthetic series (30 stores x 100 SKUs,
 * 120 days of events from libs/simulation, written by the feature store's own writer), split into
 * 8 store groups, run by the trainer service as deployed (its own processes, the registry as its own
 * process), with 1 worker process and with 2 (TRAINER_CONCURRENCY=1 each), in alternating rounds
 * (the figures are those of the median round): wall time of the parent run (created to finished,
 * from the runs table), speed-up, peak RSS of each worker process (VmHWM), CPU seconds of the
 * workers, how the parts spread over the workers, seconds per stage summed over the parts. After
 * the load the store is vacuumed and analysed (what autovacuum would do within minutes) and read
 * once, so that every run starts on the same warm, steady PostgreSQL.
 *
 * The machine's busy cores during each run are recorded next to the workers' own, and the cores of
 * every process by name (from /proc): on a small machine shared with other work, the speed-up is
 * bounded by the CPU the others leave.
 *
 * Env: BENCH_STORES, BENCH_SKUS, BENCH_DAYS, BENCH_GROUPS, BENCH_TREES, BENCH_ROUNDS (3), DATABASE_URL,
 * REDIS_URL, KAFKA_BROKERS, BENCH_OUT (default bench/results/training.json).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { featureStoreEnv, loadConfig } from '@shelfcast/config';
import type { TrainingRunDetail } from '@shelfcast/contracts';
import { applyMigrations, createPgPool } from '@shelfcast/db';
import { featureStoreSettings, writeEvents } from '@shelfcast/feature-store';
import { simulateRetail } from '@shelfcast/simulation';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { z } from 'zod';

const ROOT = path.resolve(__dirname, '../..');
const STORES = Number(process.env.BENCH_STORES ?? 30);
const SKUS = Number(process.env.BENCH_SKUS ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 120);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 8);
const TREES = Number(process.env.BENCH_TREES ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const RUN_TIMEOUT_MS = 60 * 60_000;
const FEATURE_ENV = { FEATURES_FREQUENCY: 'daily', FEATURES_MEASURE: 'units', FEATURES_HORIZON: '14' };

const tag = `bench_training_${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (x: number, d = 3) => Number(x.toFixed(d));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Service {
  child: ChildProcess;
  base: string;
  log: string[];
}

/** Node's arguments for a service as `npm start` and the image run it (its `apps/<app>/node-flags` first). */
function serviceArgs(app: 'registry' | 'trainer'): string[] {
  const file = path.join(ROOT, 'apps', app, 'node-flags');
  const flags = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean) : [];
  return [...flags, '-r', '@swc-node/register', path.join('apps', app, 'src', 'main.ts')];
}

/** A service as its own process, as `npm start` runs it; resolves once /health/ready answers 200. */
async function startService(app: 'registry' | 'trainer', env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, serviceArgs(app), {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer) => log.push(...b.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited (${child.exitCode}):\n${log.slice(-20).join('\n')}`);
    const ok = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, base, log };
    if (Date.now() > deadline) throw new Error(`${app} not ready after 180 s:\n${log.slice(-20).join('\n')}`);
    await sleep(300);
  }
}

async function stop(service: Service): Promise<void> {
  if (service.child.exitCode !== null) return;
  const exited = new Promise((r) => service.child.once('exit', r));
  service.child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000).then(() => service.child.kill('SIGKILL'))]);
}

/** Resident set now and at its peak (VmRSS, VmHWM), MiB; CPU seconds used (utime + stime). */
function processStats(pid: number): { rssMb: number; peakMb: number; cpuS: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, cpuS: ticks / 100 };
}

/** Busy and total CPU time of the whole machine so far (all cores), seconds, from /proc/stat. */
function machineCpu(): { busyS: number; totalS: number } {
  const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const jiffies = values.map(Number);
  const total = jiffies.reduce((a, b) => a + b, 0);
  const idle = jiffies[3] + (jiffies[4] ?? 0);
  return { busyS: (total - idle) / 100, totalS: total / 100 };
}

/** CPU seconds used so far by every process on the machine, by name (`comm`), plus the named pids. */
function cpuByProcess(named: Record<number, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    const name = named[Number(entry)] ?? comm;
    out.set(name, (out.get(name) ?? 0) + cpuS);
  }
  return out;
}

/** Cores each process name used between two `cpuByProcess` readings (over 0.02 cores only). */
function coresBetween(a: Map<string, number>, b: Map<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, cpu] of b) {
    const cores = (cpu - (a.get(name) ?? 0)) / seconds;
    if (cores >= 0.02) out[name] = round(cores, 2);
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}

async function postRun(base: string, body: unknown): Promise<string> {
  const res = await fetch(`${base}/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id?: string };
  if (res.status !== 202 || !json.id) throw new Error(`POST /v1/runs answered ${res.status}: ${JSON.stringify(json)}`);
  return json.id;
}

async function getRun(base: string, id: string): Promise<TrainingRunDetail> {
  return (await (await fetch(`${base}/v1/runs/${encodeURIComponent(id)}`)).json()) as TrainingRunDetail;
}

interface Phase {
  workers: number;
  /** Cores the whole machine kept busy on average during the run (every process, ours and others'). */
  machineBusyCores: number;
  /** Cores the worker processes used on average during the run. */
  workerCores: number;
  wallS: number;
  peakRssMb: number[];
  sumRssMbPeak: number;
  cpuS: number;
  partsPerWorker: Record<string, number>;
  partSeconds: number[];
  /** Seconds each stage took, summed over the parts. */
  partStages: Record<string, number>;
  /** Cores each process (by name; trainers, registry and this bench by role) used during the run. */
  coresByProcess: Record<string, number>;
  wape: number;
}

async function phase(
  workers: number,
  env: Record<string, string>,
  fingerprint: string,
  registry: Service,
): Promise<Phase> {
  const trainers = await Promise.all(
    Array.from({ length: workers }, () => startService('trainer', { ...env, TRAINER_CONCURRENCY: '1' })),
  );
  const named: Record<number, string> = { [process.pid]: 'bench', [registry.child.pid as number]: 'registry' };
  trainers.forEach((t, i) => (named[t.child.pid as number] = `trainer ${i + 1}`));
  const cpu0 = trainers.map((t) => processStats(t.child.pid as number).cpuS);
  const byProcess0 = cpuByProcess(named);
  const started = Date.now();
  const machine0 = machineCpu();
  const id = await postRun(trainers[0].base, {
    kind: 'retrain-all',
    spec: {
      modelName: `bench-${workers}w`,
      family: 'gbdt',
      featureSetVersion: fingerprint,
      horizon: 7,
      backtest: { windows: 2, step: 7 },
      hyperParameters: { numTrees: TREES, trainAnchors: 14 },
      groupBy: 'store-group',
      storeGroups: GROUPS,
      requestedBy: 'bench',
    },
  });
  let sumPeak = 0;
  let shown = '';
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let run: TrainingRunDetail;
  for (;;) {
    sumPeak = Math.max(
      sumPeak,
      trainers.reduce((s, t) => s + processStats(t.child.pid as number).rssMb, 0),
    );
    run = await getRun(trainers[0].base, id);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) break;
    if (Date.now() > deadline) throw new Error(`retrain-all with ${workers} worker(s) did not finish within the hour`);
    const line = `  ${workers} worker(s): ${run.status} ${run.stage ?? ''} ${run.percent.toFixed(0)} %`;
    if (line !== shown) console.log((shown = line));
    // Seldom: each look reads the run and its logs through the trainer (CPU the workers would use).
    await sleep(2000);
  }
  if (run.status !== 'succeeded') throw new Error(`retrain-all ${run.status}: ${run.error}`);
  const stats = trainers.map((t) => processStats(t.child.pid as number));
  const machine1 = machineCpu();
  const coresByProcess = coresBetween(byProcess0, cpuByProcess(named), (Date.now() - started) / 1000);
  const names = new Map(trainers.map((t, i) => [`${os.hostname()}:${t.child.pid}`, `worker ${i + 1}`]));
  const partsPerWorker: Record<string, number> = {};
  const partSeconds: number[] = [];
  const partStages: Record<string, number> = {};
  for (const c of run.children) {
    const child = await getRun(trainers[0].base, c.id);
    for (const [stage, ms] of Object.entries(child.stageMs ?? {}))
      partStages[stage] = (partStages[stage] ?? 0) + ms / 1000;
    const who = names.get(child.worker ?? '') ?? String(child.worker);
    partsPerWorker[who] = (partsPerWorker[who] ?? 0) + 1;
    if (child.startedAt && child.finishedAt)
      partSeconds.push((Date.parse(child.finishedAt) - Date.parse(child.startedAt)) / 1000);
  }
  await Promise.all(trainers.map(stop));
  const wallS = (Date.parse(run.finishedAt as string) - Date.parse(run.createdAt)) / 1000;
  const cpuS = stats.reduce((s, x, i) => s + x.cpuS - cpu0[i], 0);
  const busyCores = (machine1.busyS - machine0.busyS) / ((machine1.totalS - machine0.totalS) / os.cpus().length);
  return {
    machineBusyCores: round(busyCores, 2),
    workerCores: round(cpuS / ((machine1.totalS - machine0.totalS) / os.cpus().length), 2),
    workers,
    wallS,
    peakRssMb: stats.map((s) => round(s.peakMb, 1)),
    sumRssMbPeak: round(sumPeak, 1),
    cpuS: round(
      stats.reduce((s, x, i) => s + x.cpuS - cpu0[i], 0),
      1,
    ),
    partsPerWorker,
    partSeconds,
    coresByProcess,
    partStages: Object.fromEntries(Object.entries(partStages).map(([k, v]) => [k, round(v, 1)])),
    wape: (run.metrics as { model: { wape: number } }).model.wape,
  };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const cores = os.cpus().length;
  console.log(
    `bench:training — retrain-all over ${STORES * SKUS} series (${STORES} stores x ${SKUS} SKUs, ${DAYS} days), ${GROUPS} store groups`,
  );
  console.log(`machine: ${cores} cores; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  if (loadBefore[0] > cores * 0.5)
    console.log('WARNING: the machine is busy with other work; wall times and the speed-up are pessimistic.');

  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${tag}"`);
  await admin.end();
  const services: Service[] = [];
  const pool = createPgPool({ url: DATABASE_URL, schema: tag, maxConnections: 4 });
  try {
    await applyMigrations({ url: DATABASE_URL, schema: tag });
    const t0 = Date.now();
    const events = [
      ...simulateRetail({ stores: STORES, skus: SKUS, days: DAYS, seed: 3, source: 'bench-sim' }).events(),
    ];
    for (let i = 0; i < events.length; i += 10_000)
      await writeEvents(
        pool,
        events.slice(i, i + 10_000).map((event) => ({ event, arrivedAt: Date.parse(event.time) + 3_600_000 })),
      );
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM series');
    console.log(
      `feature store: ${events.length} events, ${rows[0].n} series written in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    // Warm PostgreSQL's cache so that the first run does not pay for reading the table from disk.
    await pool.query('SELECT count(*), sum(quantity) FROM retail_events');
    await pool.query('SELECT count(*) FROM series_daily');
    // What autovacuum does within a minute or two of the load, at once, so that it does not land in
    // one of the two runs: the store is one that has been running, not one written a second ago
    // (statistics, visibility map, the arrival index's block ranges summarised).
    await pool.query('VACUUM ANALYZE retail_events, series_daily, series');

    const env: Record<string, string> = {
      DATABASE_URL,
      DATABASE_SCHEMA: tag,
      REDIS_URL,
      REDIS_KEY_PREFIX: tag,
      KAFKA_BROKERS: BROKERS,
      KAFKA_TOPIC_PREFIX: `${tag}.`,
      KAFKA_TOPIC_PARTITIONS: '1',
      TRAINER_ALERTS: 'false',
      ...FEATURE_ENV,
    };
    const registry = await startService('registry', { ...env, REGISTRY_OUTBOX_RELAY: 'false' });
    services.push(registry);
    const fingerprint = featureStoreSettings(loadConfig(z.object(featureStoreEnv), FEATURE_ENV)).featureSet.fingerprint;
    const trainerEnv = { ...env, REGISTRY_URL: registry.base, TRAINER_CODE_VERSION: 'bench' };

    // Rounds alternate 1 and 2 workers; each figure is the round with the median wall time (a
    // shared machine's noise moves single runs by 10-20 %).
    const ones: Phase[] = [];
    const twos: Phase[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      console.log(`round ${r + 1} of ${ROUNDS}`);
      ones.push(await phase(1, trainerEnv, fingerprint, registry));
      twos.push(await phase(2, trainerEnv, fingerprint, registry));
    }
    const medianRun = (runs: Phase[]) => [...runs].sort((a, b) => a.wallS - b.wallS)[Math.floor(runs.length / 2)];
    const one = medianRun(ones);
    const two = medianRun(twos);
    const loadAfter = os.loadavg();
    const speedup = one.wallS / two.wallS;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const result = {
      wall_s_1_worker: round(one.wallS, 1),
      wall_s_2_workers: round(two.wallS, 1),
      rounds: ROUNDS,
      wall_s_1_worker_rounds: ones.map((p) => round(p.wallS, 1)),
      wall_s_2_workers_rounds: twos.map((p) => round(p.wallS, 1)),
      speedup_2_workers: round(speedup, 2),
      peak_rss_mb: Math.max(...one.peakRssMb, ...two.peakRssMb),
      peak_rss_mb_1_worker: one.peakRssMb[0],
      peak_rss_mb_2_workers: two.peakRssMb,
      peak_rss_mb_2_workers_sum: two.sumRssMbPeak,
      cpu_s_1_worker: one.cpuS,
      cpu_s_2_workers: two.cpuS,
      worker_cores_1_worker: one.workerCores,
      worker_cores_2_workers: two.workerCores,
      machine_busy_cores_1_worker: one.machineBusyCores,
      machine_busy_cores_2_workers: two.machineBusyCores,
      parts: GROUPS,
      parts_per_worker_2_workers: two.partsPerWorker,
      part_s_median_1_worker: round(median(one.partSeconds), 1),
      part_s_median_2_workers: round(median(two.partSeconds), 1),
      part_stage_s_1_worker: one.partStages,
      cores_by_process_1_worker: one.coresByProcess,
      cores_by_process_2_workers: two.coresByProcess,
      part_stage_s_2_workers: two.partStages,
      wape_1_worker: round(one.wape, 4),
      wape_2_workers: round(two.wape, 4),
      series: STORES * SKUS,
      stores: STORES,
      skus: SKUS,
      days: DAYS,
      family: 'gbdt',
      num_trees: TREES,
      cores,
      load_avg_before: loadBefore.map((l) => round(l, 2)),
      load_avg_after: loadAfter.map((l) => round(l, 2)),
      goal_speedup: 1.5,
      date: new Date().toISOString(),
    };
    const rowsOut = [
      ['', '1 worker', '2 workers'],
      ['wall time, s (median round)', one.wallS.toFixed(1), two.wallS.toFixed(1)],
      [
        'wall time, s (every round)',
        ones.map((p) => p.wallS.toFixed(1)).join(' '),
        twos.map((p) => p.wallS.toFixed(1)).join(' '),
      ],
      ['speed-up', '1.00', speedup.toFixed(2)],
      ['peak RSS per worker, MiB', one.peakRssMb.join(', '), two.peakRssMb.join(', ')],
      ['worker CPU, s', one.cpuS.toFixed(1), two.cpuS.toFixed(1)],
      ['cores used by the workers', one.workerCores.toFixed(2), two.workerCores.toFixed(2)],
      ['cores busy on the machine', one.machineBusyCores.toFixed(2), two.machineBusyCores.toFixed(2)],
      ['parts per worker', String(GROUPS), Object.values(two.partsPerWorker).join(' + ')],
      ['median part, s', median(one.partSeconds).toFixed(1), median(two.partSeconds).toFixed(1)],
      ['WAPE (series-weighted)', one.wape.toFixed(4), two.wape.toFixed(4)],
      ...Object.keys(one.partStages).map((stage) => [
        `  ${stage}, s (all parts)`,
        one.partStages[stage].toFixed(1),
        (two.partStages[stage] ?? 0).toFixed(1),
      ]),
    ];
    const widths = rowsOut[0].map((_, c) => Math.max(...rowsOut.map((r) => r[c].length)));
    console.log(
      rowsOut
        .map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '))
        .join('\n'),
    );
    for (const p of [one, two])
      console.log(
        `cores by process, ${p.workers} worker(s): ${Object.entries(p.coresByProcess)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    console.log(
      `speed-up ${speedup.toFixed(2)} (goal >= 1.5 on ${cores} cores); load average after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const out = path.resolve(ROOT, process.env.BENCH_OUT ?? 'bench/results/training.json');
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    await Promise.all(services.map(stop));
    await pool.end();
    const c = new Client({ connectionString: DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
    await c.end();
    await cleanUp();
  }
}

/** Deletes the bench's Kafka topics (the services create the platform's topics at start) and Redis keys. */
async function cleanUp(): Promise<void> {
  const admin = new Kafka({
    brokers: BROKERS.split(','),
    clientId: 'bench-training',
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${tag}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch (e) {
    console.warn(`could not delete the bench's topics: ${(e as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
