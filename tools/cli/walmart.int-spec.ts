/**
 * End to end: the Walmart weekly sales sent through the importer to the ingestion service (HTTP),
 * published to Kafka, aggregated by the features service, read back from the feature store as the
 * file's weekly series, to the cent.
 *
 * Data: $WALMART_DIR, else the shared data folder next to the checkout; where neither exists
 * (the data has no open licence and may be absent), a generated file in the same format.
 * $WALMART_LIMIT_SERIES (default 300) bounds the series sent; 0 sends them all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { ApiKeyRepository, createPgPool, createPrismaClient } from '@shelfcast/db';
import { loadOnlineHistories } from '@shelfcast/feature-store';
import { dayOf, lastCompletePeriod, retailFeatureSet, seriesFromHistory } from '@shelfcast/features-core';
import {
  createTestKafka,
  createTestSchema,
  freePort,
  startService,
  testRedisPrefix,
  testServers,
  type ServiceProcess,
} from '@shelfcast/testing';

import { main } from './shelfcast';
import { readWalmartWeekly } from './walmart';

function walmartFolder(): { dir: string; generated: boolean } {
  const candidates = [
    process.env.WALMART_DIR,
    path.resolve(__dirname, '../../../shared/data/walmart'),
    '/work/shared/data/walmart',
  ].filter((d): d is string => Boolean(d));
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'train.csv.gz'))) return { dir, generated: false };
  // The same format: 3 stores x 4 departments x 30 weeks, with returns, zero and missing weeks.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walmart-'));
  const rows = ['Store,Dept,Date,Weekly_Sales,IsHoliday'];
  for (let store = 1; store <= 3; store++)
    for (let dept = 1; dept <= 4; dept++)
      for (let w = 0; w < 30; w++) {
        if ((store + dept + w) % 11 === 0) continue; // a week without a row
        const date = new Date(Date.UTC(2010, 1, 5 + 7 * w)).toISOString().slice(0, 10);
        const sales = w % 13 === 5 ? 0 : (store * 1000 + dept * 37 + w * 11.11) * (w % 17 === 3 ? -0.01 : 1);
        rows.push(`${store},${dept},${date},${sales.toFixed(2)},FALSE`);
      }
  fs.writeFileSync(path.join(dir, 'train.csv.gz'), gzipSync(rows.join('\n')));
  fs.writeFileSync(path.join(dir, 'stores.csv'), 'Store,Type,Size\n1,A,151315\n2,B,202307\n3,C,39690\n');
  fs.writeFileSync(
    path.join(dir, 'features.csv'),
    'Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n' +
      '1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.09,8.106,FALSE\n',
  );
  return { dir, generated: true };
}

describe('Walmart weekly sales through ingestion and the features service', () => {
  const data = walmartFolder();
  const limit = Number(process.env.WALMART_LIMIT_SERIES ?? 300);
  const running: ServiceProcess[] = [];
  let cleanup: Array<() => Promise<unknown>> = [];

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGTERM')));
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    if (data.generated) fs.rmSync(data.dir, { recursive: true, force: true });
  }, 60_000);

  it('reads back exactly the weekly series of the file, to the cent', async () => {
    const schema = await createTestSchema('walmart_e2e');
    const kafka = await createTestKafka('walmart_e2e');
    const redis = testRedisPrefix('walmart_e2e');
    const pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 2 });
    const prisma = createPrismaClient({ url: schema.url, schema: schema.schema, maxConnections: 1 });
    cleanup = [
      () => schema.drop(),
      () => kafka.cleanup(),
      () => redis.cleanup(),
      () => pool.end(),
      () => prisma.$disconnect(),
    ];
    const env = {
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: kafka.prefix,
      REDIS_URL: testServers.redisUrl,
      REDIS_KEY_PREFIX: redis.prefix,
      LOG_LEVEL: 'warn',
      // Walmart weeks end on Fridays and the measure is dollars.
      FEATURES_FREQUENCY: 'weekly',
      FEATURES_GRID_ORIGIN: '2010-02-05',
      FEATURES_WEEK_LABEL: 'end',
      FEATURES_MEASURE: 'net_sales',
      INGEST_RATE_LIMIT_PER_MINUTE: '10000000',
    };
    const ingestionPort = await freePort();
    const featuresPort = await freePort();
    const ingestion = startService('ingestion', { ...env, PORT: String(ingestionPort) });
    const features = startService('features', { ...env, PORT: String(featuresPort) });
    running.push(ingestion, features);
    await ingestion.waitFor(`http://127.0.0.1:${ingestionPort}/health/ready`, 200, 90_000);
    await features.waitFor(`http://127.0.0.1:${featuresPort}/health/ready`, 200, 90_000);
    const { key } = await new ApiKeyRepository(prisma).create('walmart');

    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main([
        'import-walmart',
        data.dir,
        '--url',
        `http://127.0.0.1:${ingestionPort}`,
        '--key',
        key,
        ...(limit > 0 ? ['--limit-series', String(limit)] : []),
      ]);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(code).toBe(0);

    const file = await readWalmartWeekly(data.dir, limit > 0 ? { limitSeries: limit } : {});
    let expectedRows = 0;
    for (const s of file.series) for (const cents of s.cents.values()) if (cents !== 0) expectedRows++;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const { rows } = await pool.query<{ n: number; dirty: number }>(
        `SELECT (SELECT count(*) FROM series_daily)::int AS n, (SELECT count(*) FROM online_dirty)::int AS dirty`,
      );
      if (rows[0].n === expectedRows && rows[0].dirty === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `features service holds ${rows[0].n} of ${expectedRows} series-weeks, ${rows[0].dirty} series waiting`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }

    // The aggregates: net dollars per store x department x Friday equal Weekly_Sales, to the cent.
    const { rows } = await pool.query<{ store_id: string; sku: string; day: string; cents: string }>(
      `SELECT store_id, sku, to_char(day, 'YYYY-MM-DD') AS day, (net_sales * 100)::text AS cents FROM series_daily`,
    );
    const stored = new Map(rows.map((r) => [`${r.store_id}|${r.sku}|${r.day}`, Number(r.cents)]));
    const mismatches: string[] = [];
    for (const s of file.series)
      for (const [date, cents] of s.cents) {
        const got = stored.get(`${s.storeId}|${s.sku}|${date}`) ?? 0;
        if (got !== cents) mismatches.push(`${s.storeId}|${s.sku}|${date}: file ${cents}, stored ${got}`);
      }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(stored.size).toBe(expectedRows);

    // The weekly series the feature store builds from them (Friday-ended weeks, dollars) is the file's.
    const fs = retailFeatureSet({ frequency: 'weekly', origin: '2010-02-05', weekLabel: 'end', measure: 'net_sales' });
    const lastDate = file.dates[file.dates.length - 1];
    const anchor = lastCompletePeriod(fs.spec.grid, dayOf(lastDate));
    const sample = file.series.slice(0, 25);
    const histories = await loadOnlineHistories(
      pool,
      sample.map((s) => ({ storeId: s.storeId, sku: s.sku })),
      { cutoff: lastDate, knownAt: null },
      dayOf(file.dates[0]) - 6,
      dayOf(lastDate),
    );
    expect(histories).toHaveLength(sample.length);
    for (const [k, h] of histories.entries()) {
      const s = seriesFromHistory(fs, h, anchor, 1, 'net_sales');
      const weeks = Math.min(file.dates.length, s.values.length);
      for (let w = 0; w < weeks; w++) {
        const date = file.dates[file.dates.length - weeks + w];
        const v = s.values[s.values.length - weeks + w];
        const cents = sample[k].cents.get(date);
        if (cents === undefined) expect(v === 0 || Number.isNaN(v)).toBe(true);
        else expect(Math.round(v * 100)).toBe(cents);
      }
    }
  }, 420_000);
});
