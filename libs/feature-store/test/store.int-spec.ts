import type { RetailEvent } from '@shelfcast/contracts';
import { createPgPool } from '@shelfcast/db';
import { dayOf, retailFeatureSet, seriesFromHistory, type SeriesHistory } from '@shelfcast/features-core';
import { simulateRetail } from '@shelfcast/simulation';
import { createTestSchema, dailyTruth, testRedisPrefix, testServers, type TestSchema } from '@shelfcast/testing';
import Redis from 'ioredis';
import type { Pool } from 'pg';

import {
  buildTrainingSet,
  businessDate,
  countDirty,
  historiesAt,
  loadContextRecords,
  loadOnlineHistories,
  OnlineRefresher,
  OnlineStore,
  readWatermark,
  rebuildAggregates,
  streamOfflineDays,
  streamOfflineHistories,
  writeEvents,
  type ArrivedEvent,
  type KnowledgeScope,
  type OfflineSource,
  type SeriesDays,
  type TrainingChunk,
} from '../src';

interface DailyRow {
  store_id: string;
  sku: string;
  day: string;
  units: string;
  returned_units: string;
  net_sales: string;
  sale_events: number;
  on_hand_min: number | null;
  snapshots: number;
}

async function dailyRows(pool: Pool): Promise<DailyRow[]> {
  const { rows } = await pool.query<DailyRow>(
    `SELECT store_id, sku, to_char(day, 'YYYY-MM-DD') AS day, units::text, returned_units::text, net_sales::text,
            sale_events, on_hand_min, snapshots
     FROM series_daily ORDER BY store_id, sku, day`,
  );
  return rows;
}

function arrived(events: readonly RetailEvent[], at = Date.now()): ArrivedEvent[] {
  return events.map((event) => ({ event, arrivedAt: at }));
}

async function writeInBatches(pool: Pool, events: readonly ArrivedEvent[], size: number): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < events.length; i += size)
    inserted += (await writeEvents(pool, events.slice(i, i + size))).inserted;
  return inserted;
}

async function collect(chunks: AsyncGenerator<TrainingChunk>): Promise<TrainingChunk[]> {
  const out: TrainingChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** Rows of a training set keyed by series, as plain arrays (NaN kept as NaN via Object.is). */
function rowsBySeries(chunks: readonly TrainingChunk[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const c of chunks) {
    const width = c.horizon * c.numFeatures;
    c.series.forEach((s, k) => out.set(`${s.storeId}|${s.sku}`, c.features.slice(k * width, (k + 1) * width)));
  }
  return out;
}

function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const sale = (
  id: string,
  time: string,
  quantity: number,
  unitPrice: string,
  extra: Partial<{ storeId: string; sku: string }> = {},
): RetailEvent => ({
  id,
  type: 'shelfcast.sale.recorded.v1',
  source: 'test',
  time,
  data: {
    storeId: extra.storeId ?? 's1',
    sku: extra.sku ?? 'p1',
    quantity,
    unitPrice,
    currency: 'USD',
    ...(quantity < 0 ? { returnReason: 'damaged' as const } : {}),
  },
});

const snapshot = (id: string, time: string, onHand: number): RetailEvent => ({
  id,
  type: 'shelfcast.inventory.snapshot.v1',
  source: 'test',
  time,
  data: { storeId: 's1', sku: 'p1', onHand },
});

describe('feature store on PostgreSQL and Redis', () => {
  let schema: TestSchema;
  let pool: Pool;
  let redis: Redis;
  const keys = testRedisPrefix('feature_store');

  beforeEach(async () => {
    schema = await createTestSchema('feature_store');
    pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 4 });
  });

  afterEach(async () => {
    await pool.end();
    await schema.drop();
  });

  beforeAll(() => {
    redis = new Redis(testServers.redisUrl);
  });

  afterAll(async () => {
    await keys.cleanup();
    redis.disconnect();
  });

  it('adds each event once: a replay in other batches and order leaves the aggregates as the events say', async () => {
    const sim = simulateRetail({ stores: 2, skus: 15, days: 45, seed: 3, returnRate: 0.05 });
    const events = [...sim.events()];
    const inserted = await writeInBatches(pool, arrived(events), 700);
    expect(inserted).toBe(events.length);
    const once = await dailyRows(pool);

    // Replayed twice more: in reverse, then in odd batch sizes.
    const again = await writeInBatches(pool, arrived([...events].reverse()), 333);
    const third = await writeInBatches(pool, arrived(events), 4096);
    expect(again + third).toBe(0);
    expect(await dailyRows(pool)).toEqual(once);

    const truth = dailyTruth(events);
    expect(once.length).toBe(truth.size);
    for (const r of once) {
      const t = truth.get(`${r.store_id}|${r.sku}|${r.day}`);
      expect(t).toBeDefined();
      expect(Number(r.units)).toBe(t?.units);
      expect(Math.round(Number(r.net_sales) * 100)).toBe(t?.cents);
      expect(r.on_hand_min).toBe(t?.onHandMin);
    }
    const lastDay = events.reduce((m, e) => (businessDate(e.time) > m ? businessDate(e.time) : m), '');
    expect(await readWatermark(pool)).toBe(lastDay);
  });

  it('puts late and out-of-order events and returns in their day, and marks stock-outs as censored', async () => {
    const fs = retailFeatureSet({ frequency: 'daily', measure: 'units' });
    // Days 2026-03-02 .. 03-08. Sent out of order; the 03-03 sale arrives last (late).
    const events: RetailEvent[] = [
      sale('a', '2026-03-05T10:00:00-05:00', 4, '2.50'),
      sale('b', '2026-03-02T23:30:00-05:00', 3, '2.50'), // 03-03 in UTC, 03-02 where it happened
      sale('c', '2026-03-04T09:00:00+01:00', -1, '2.50'), // a return
      sale('d', '2026-03-04T11:00:00+01:00', 6, '2.00'),
      snapshot('e', '2026-03-06T20:00:00-05:00', 0), // out of stock, nothing sold that day
      snapshot('f', '2026-03-08T08:00:00-05:00', 12), // restocked
      sale('g', '2026-03-08T12:00:00-05:00', 2, '2.50'),
      sale('late', '2026-03-03T12:00:00-05:00', 5, '2.50'),
    ];
    await writeEvents(pool, arrived(events.slice(0, 4)));
    await writeEvents(pool, arrived(events.slice(4, 7)));
    await writeEvents(pool, arrived(events.slice(7)));

    const rows = await dailyRows(pool);
    expect(
      rows.map((r) => [r.day, Number(r.units), Number(r.returned_units), Number(r.net_sales), r.on_hand_min]),
    ).toEqual([
      ['2026-03-02', 3, 0, 7.5, null],
      ['2026-03-03', 5, 0, 12.5, null],
      ['2026-03-04', 5, 1, 9.5, null],
      ['2026-03-05', 4, 0, 10, null],
      ['2026-03-06', 0, 0, 0, 0],
      ['2026-03-08', 2, 0, 5, 12],
    ]);

    const anchor = dayOf('2026-03-08') - dayOf(fs.spec.grid.origin);
    const [h] = await loadOnlineHistories(
      pool,
      [{ storeId: 's1', sku: 'p1' }],
      { cutoff: '2026-03-08', knownAt: null },
      dayOf('2025-01-01'),
      dayOf('2026-03-08'),
    );
    const s = seriesFromHistory(fs, h, anchor, 1, 'units');
    const tail = (a: ArrayLike<number>, n: number) => Array.from(a).slice(s.values.length - n, s.values.length);
    expect(tail(s.values, 7)).toEqual([3, 5, 5, 4, 0, 0, 2]);
    // 03-06 had a zero snapshot and no sale: out of stock, and so is 03-07 (no snapshot since).
    expect(tail(s.inStock as ArrayLike<number>, 7)).toEqual([1, 1, 1, 1, 0, 0, 1]);
    expect(Number.isNaN(s.values[s.values.length - 8])).toBe(true); // before the first day

    // The 7-day mean leaves the two censored days out rather than counting them as zero demand.
    const frame = fs.frame([s]);
    const row = frame.row(0, anchor, 1);
    const scale = frame.scale(0, anchor);
    const mean7 = row[fs.names.indexOf('roll_mean_7')] * scale;
    expect(mean7).toBeCloseTo((3 + 5 + 5 + 4 + 2) / 5, 4);
  });

  it('keeps online vectors equal to the offline training set at the same cutoff, for 2,000 series', async () => {
    const sim = simulateRetail({
      stores: 40,
      skus: 50,
      days: 21,
      seed: 7,
      inventory: { snapshots: 'on-change' },
    });
    const events = [...sim.events()];
    await writeInBatches(pool, arrived(events), 5000);
    const fs = retailFeatureSet({ frequency: 'daily', measure: 'units' });
    const store = new OnlineStore(redis, fs, `${keys.prefix}:`);
    const refresher = new OnlineRefresher(pool, store, { measure: 'units', horizon: 3, chunkSeries: 400 });
    const refreshed = await refresher.drain();
    expect(refreshed).toBe(2000);
    expect(await countDirty(pool)).toBe(0);

    const watermark = (await readWatermark(pool)) as string;
    const offline = rowsBySeries(
      await collect(
        buildTrainingSet(pool, {
          featureSet: fs,
          measure: 'units',
          horizon: 3,
          cutoffs: [watermark],
          knownAt: 'latest',
          chunkSeries: 300,
        }),
      ),
    );
    expect(offline.size).toBe(2000);
    const refs = [...offline.keys()].map((k) => {
      const [storeId, sku] = k.split('|');
      return { storeId, sku };
    });
    const online = await store.readMany(refs);
    let equal = 0;
    online.forEach((v, i) => {
      if (v && sameFloats(v.values, offline.get(`${refs[i].storeId}|${refs[i].sku}`) as Float32Array)) equal++;
    });
    expect(equal).toBe(2000);
    // Not all missing: the vectors carry real values.
    const sample = online[0]?.values ?? new Float32Array();
    expect(Array.from(sample).filter((x) => !Number.isNaN(x)).length).toBeGreaterThan(fs.numFeatures);
  }, 120_000);

  it('builds a training row for cutoff D only from events dated and arrived by D', async () => {
    const fs = retailFeatureSet({ frequency: 'weekly', measure: 'units' });
    const sim = simulateRetail({ stores: 3, skus: 12, days: 120, seed: 11, returnRate: 0.03 });
    const cutoff = '2024-03-31';
    const endOfCutoff = Date.parse(`${cutoff}T23:59:59.999Z`);
    // Arrival: most events shortly after they happen; every 7th arrives 10 days late.
    const all: ArrivedEvent[] = [...sim.events()].map((event, i) => ({
      event,
      arrivedAt: Date.parse(event.time) + (i % 7 === 0 ? 10 * 86_400_000 : 3_600_000),
    }));
    const knownAtD = all.filter((e) => businessDate(e.event.time) <= cutoff && e.arrivedAt <= endOfCutoff);
    expect(knownAtD.length).toBeLessThan(all.filter((e) => businessDate(e.event.time) <= cutoff).length);

    await writeInBatches(pool, all, 4000);
    const strict = rowsBySeries(
      await collect(buildTrainingSet(pool, { featureSet: fs, measure: 'units', horizon: 4, cutoffs: [cutoff] })),
    );
    const leaky = rowsBySeries(
      await collect(
        buildTrainingSet(pool, { featureSet: fs, measure: 'units', horizon: 4, cutoffs: [cutoff], knownAt: 'latest' }),
      ),
    );

    // The same rows from a store that only ever saw what was known at D.
    const other = await createTestSchema('feature_store_pit');
    const otherPool = createPgPool({ url: other.url, schema: other.schema, maxConnections: 4 });
    try {
      await writeInBatches(otherPool, knownAtD, 4000);
      const reference = rowsBySeries(
        await collect(
          buildTrainingSet(otherPool, {
            featureSet: fs,
            measure: 'units',
            horizon: 4,
            cutoffs: [cutoff],
            knownAt: 'latest',
          }),
        ),
      );
      expect([...strict.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [key, row] of reference) expect(sameFloats(strict.get(key) as Float32Array, row)).toBe(true);
      // And the late arrivals would have changed them.
      const differing = [...reference].filter(([key, row]) => !sameFloats(leaky.get(key) as Float32Array, row));
      expect(differing.length).toBeGreaterThan(0);
    } finally {
      await otherPool.end();
      await other.drop();
    }
  }, 120_000);

  it('cuts one read of the raw events back to any earlier cutoff exactly as a read at that cutoff', async () => {
    const sim = simulateRetail({
      stores: 3,
      skus: 30,
      days: 90,
      seed: 13,
      inventory: { snapshots: 'on-change' },
    });
    // Late arrivals (every 5th event 9 days late) so the arrival bound matters; the bound falls mid-range.
    const all: ArrivedEvent[] = [...sim.events()].map((event, i) => ({
      event,
      arrivedAt: Date.parse(event.time) + (i % 5 === 0 ? 9 * 86_400_000 : 3_600_000),
    }));
    await writeInBatches(pool, all, 4000);
    const knownAt = new Date('2024-03-10T12:00:00Z');
    const launched = sim.products.filter((p) => p.launchDate !== undefined && p.launchDate > '2024-01-20');
    expect(launched.length).toBeGreaterThan(0);

    const latest = { cutoff: '2024-03-10', knownAt };
    const fromDay = dayOf('2023-12-01');
    const read: SeriesDays[] = [];
    for await (const chunk of streamOfflineDays(pool, latest, fromDay, { chunkSeries: 17 })) read.push(...chunk);
    const records = await loadContextRecords(pool, read, latest);
    for (const [cutoff, windowStart] of [
      ['2024-01-20', '2024-01-01'],
      ['2024-02-14', '2024-01-25'],
      ['2024-03-10', '2024-02-01'],
    ]) {
      const scope = { cutoff, knownAt };
      const direct: SeriesHistory[] = [];
      for await (const chunk of streamOfflineHistories(pool, scope, dayOf(windowStart), { chunkSeries: 17 }))
        direct.push(...chunk);
      const cut = await historiesAt(pool, read, scope, dayOf(windowStart));
      expect(direct.length).toBeGreaterThan(0);
      expect(cut).toEqual(direct);
      // The same from context records loaded once at the latest cutoff (no query per cutoff).
      expect(await historiesAt(pool, read, scope, dayOf(windowStart), records)).toEqual(direct);
      if (cutoff === '2024-01-20') {
        // Series of products launched later are not there yet.
        const skus = new Set(cut.map((h) => h.sku));
        expect(launched.some((p) => !skus.has(p.sku))).toBe(true);
        expect(cut.length).toBeLessThan(read.length);
      }
    }
    // Prices and promotions are there to compare.
    const last = await historiesAt(pool, read, latest, dayOf('2024-01-01'));
    expect(last.some((h) => h.prices.length > 1)).toBe(true);
    expect(last.some((h) => h.promotions.length > 0)).toBe(true);

    // A training set over several cutoffs (one read) has the rows each cutoff's own set has.
    const fs = retailFeatureSet({ frequency: 'daily', measure: 'units' });
    const cutoffs = ['2024-02-14', '2024-01-20', '2024-03-01'];
    const options = { featureSet: fs, measure: 'units' as const, horizon: 3, knownAt, chunkSeries: 25 };
    const together = await collect(buildTrainingSet(pool, { ...options, cutoffs }));
    for (const cutoff of cutoffs) {
      const alone = rowsBySeries(await collect(buildTrainingSet(pool, { ...options, cutoffs: [cutoff] })));
      const shared = rowsBySeries(together.filter((c) => c.cutoff === cutoff));
      expect([...shared.keys()].sort()).toEqual([...alone.keys()].sort());
      for (const [key, row] of alone) expect(sameFloats(shared.get(key) as Float32Array, row)).toBe(true);
    }
  }, 120_000);

  it('reads the daily aggregates when they hold exactly the events known, the raw events otherwise, with the same result', async () => {
    const sim = simulateRetail({
      stores: 2,
      skus: 20,
      days: 80,
      seed: 17,
      returnRate: 0.05,
      inventory: { snapshots: 'on-change' },
    });
    // Every 6th event arrives 12 days late.
    const all: ArrivedEvent[] = [...sim.events()].map((event, i) => ({
      event,
      arrivedAt: Date.parse(event.time) + (i % 6 === 0 ? 12 * 86_400_000 : 3_600_000),
    }));
    await writeInBatches(pool, all, 3000);
    const lastArrival = Math.max(...all.map((e) => e.arrivedAt));
    const read = async (scope: KnowledgeScope, from: number, source: 'auto' | 'events') => {
      const out: SeriesDays[] = [];
      let used: OfflineSource | undefined;
      for await (const chunk of streamOfflineDays(pool, scope, from, {
        source,
        chunkSeries: 7,
        onSource: (s) => (used = s),
      }))
        out.push(...chunk);
      return { out, used };
    };
    const cases: Array<[KnowledgeScope, OfflineSource]> = [
      [{ cutoff: '2024-03-20', knownAt: null }, 'aggregates'],
      [{ cutoff: '2024-02-10', knownAt: new Date(lastArrival + 1000) }, 'aggregates'],
      // Events dated by the cutoff arrived after the bound: only the raw events can leave them out.
      [{ cutoff: '2024-02-10', knownAt: new Date('2024-02-05T00:00:00Z') }, 'events'],
    ];
    for (const [scope, expected] of cases) {
      for (const from of [dayOf('2023-12-01'), dayOf('2024-02-01')]) {
        const auto = await read(scope, from, 'auto');
        const events = await read(scope, from, 'events');
        expect(auto.used).toBe(expected);
        expect(events.used).toBe('events');
        expect(auto.out.length).toBeGreaterThan(0);
        expect(auto.out).toEqual(events.out);
      }
    }
    // An event dated by the cutoff arriving later sends a read at the earlier bound back to the raw events.
    const bound = new Date(lastArrival + 1000);
    const first = all.find((e) => e.event.type === 'shelfcast.sale.recorded.v1')?.event as RetailEvent & {
      data: { storeId: string; sku: string };
    };
    const late = sale('late-1', '2024-01-15T10:00:00Z', 3, '2.50', {
      storeId: first.data.storeId,
      sku: first.data.sku,
    });
    await writeEvents(pool, [{ event: late, arrivedAt: lastArrival + 60_000 }]);
    const after = await read({ cutoff: '2024-02-10', knownAt: bound }, dayOf('2024-01-01'), 'auto');
    const raw = await read({ cutoff: '2024-02-10', knownAt: bound }, dayOf('2024-01-01'), 'events');
    expect(after.used).toBe('events');
    expect(after.out).toEqual(raw.out);
    // The late sale is not in that read; a read that knows everything has it.
    const key = (d: SeriesDays) => d.storeId === first.data.storeId && d.sku === first.data.sku;
    const unitsOn = (days: SeriesDays[] | undefined, day: number) =>
      days?.find(key)?.days.find((d) => d.day === day)?.units ?? 0;
    const latest = await read({ cutoff: '2024-02-10', knownAt: null }, dayOf('2024-01-01'), 'auto');
    expect(unitsOn(latest.out, dayOf('2024-01-15')) - unitsOn(after.out, dayOf('2024-01-15'))).toBe(3);
  }, 120_000);

  it('stops an offline read on abort, cancelling the statement PostgreSQL is running', async () => {
    await writeInBatches(pool, arrived([...simulateRetail({ stores: 1, skus: 3, days: 10, seed: 2 }).events()]), 5000);
    // A transaction holding an exclusive lock on the events keeps the read's statement waiting.
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE retail_events IN ACCESS EXCLUSIVE MODE');
      const controller = new AbortController();
      const read = (async () => {
        for await (const chunk of streamOfflineDays(pool, { cutoff: '2024-12-31', knownAt: null }, 0, {
          signal: controller.signal,
          source: 'events',
        }))
          void chunk;
      })();
      // Wait until the statement is really waiting on the lock in PostgreSQL.
      for (let i = 0; i < 100; i++) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%offline_days%' AND pid <> pg_backend_pid()`,
        );
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      controller.abort(new Error('read no longer wanted'));
      await expect(read).rejects.toThrow('read no longer wanted');
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%DECLARE offline_days%' AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    // The pool still reads afterwards.
    const after: SeriesDays[] = [];
    for await (const chunk of streamOfflineDays(pool, { cutoff: '2024-12-31', knownAt: null }, 0)) after.push(...chunk);
    expect(after.length).toBe(3);
  });

  it('labels rows with what the target periods turned out to be, NaN where not yet known', async () => {
    const fs = retailFeatureSet({ frequency: 'weekly', measure: 'units' });
    const sim = simulateRetail({ stores: 1, skus: 5, days: 70, seed: 5 });
    const events = [...sim.events()];
    await writeInBatches(pool, arrived(events), 5000);
    const watermark = (await readWatermark(pool)) as string;
    const [chunk] = await collect(
      buildTrainingSet(pool, {
        featureSet: fs,
        measure: 'units',
        horizon: 3,
        cutoffs: ['2024-01-28', watermark],
        knownAt: 'latest',
      }),
    );
    // 2024-01-28 is a Sunday: weeks end on Sundays, so the target weeks end 02-04, 02-11, 02-18.
    expect(chunk.asOf).toBe('2024-01-28');
    const truth = dailyTruth(events);
    const s0 = chunk.series[0];
    const weekUnits = (end: string) => {
      let sum = 0;
      for (let d = dayOf(end) - 6; d <= dayOf(end); d++) {
        const date = new Date(d * 86_400_000).toISOString().slice(0, 10);
        sum += truth.get(`${s0.storeId}|${s0.sku}|${date}`)?.units ?? 0;
      }
      return sum;
    };
    expect(Array.from(chunk.target.subarray(0, 3))).toEqual([
      weekUnits('2024-02-04'),
      weekUnits('2024-02-11'),
      weekUnits('2024-02-18'),
    ]);
    const [, latest] = await collect(
      buildTrainingSet(pool, {
        featureSet: fs,
        measure: 'units',
        horizon: 3,
        cutoffs: ['2024-01-28', watermark],
        knownAt: 'latest',
      }),
    );
    expect(Array.from(latest.target).every((x) => Number.isNaN(x))).toBe(true);
  });

  it('rebuilds aggregates from the raw events and marks the series for a refresh', async () => {
    const sim = simulateRetail({ stores: 2, skus: 10, days: 30, seed: 9 });
    await writeInBatches(pool, arrived([...sim.events()]), 5000);
    const before = await dailyRows(pool);
    await pool.query(`UPDATE series_daily SET units = units + 1 WHERE day = '2024-01-10'`);
    await pool.query(`DELETE FROM series_daily WHERE day = '2024-01-11'`);
    await pool.query(`DELETE FROM online_dirty`);
    const progress: Array<[number, number]> = [];
    const result = await rebuildAggregates(pool, {
      from: '2024-01-05',
      to: '2024-01-20',
      chunkSeries: 7,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result.series).toBe(20);
    expect(await dailyRows(pool)).toEqual(before);
    expect(progress[0]).toEqual([0, 20]);
    expect(progress[progress.length - 1]).toEqual([20, 20]);
    expect(await countDirty(pool)).toBe(20);
    await expect(rebuildAggregates(pool, { from: '2024-02-01', to: '2024-01-01' })).rejects.toThrow(/after/);
  });
});
