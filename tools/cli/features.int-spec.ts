import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createPgPool } from '@shelfcast/db';
import { countDirty, featureStoreSettings, OnlineStore, writeEvents } from '@shelfcast/feature-store';
import { featureStoreEnv } from '@shelfcast/config';
import { simulateRetail } from '@shelfcast/simulation';
import { createTestSchema, testRedisPrefix, testServers, type TestSchema } from '@shelfcast/testing';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import { z } from 'zod';

import { main } from './features';

describe('npm run features', () => {
  let schema: TestSchema;
  let pool: Pool;
  let dir: string;
  const keys = testRedisPrefix('features_cli');
  const saved = { ...process.env };
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let stdout: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout.push(String(s));
    return true;
  });

  beforeAll(async () => {
    schema = await createTestSchema('features_cli');
    pool = createPgPool({ url: schema.url, schema: schema.schema, maxConnections: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'features-cli-'));
    Object.assign(process.env, {
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      REDIS_URL: testServers.redisUrl,
      REDIS_KEY_PREFIX: keys.prefix,
      FEATURES_FREQUENCY: 'weekly',
      FEATURES_HORIZON: '3',
    });
    const events = [...simulateRetail({ stores: 2, skus: 5, days: 60, seed: 4 }).events()];
    await writeEvents(
      pool,
      events.map((event) => ({ event, arrivedAt: Date.now() })),
    );
  });

  afterAll(async () => {
    process.env = saved;
    quiet.mockRestore();
    out.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
    await pool.end();
    await keys.cleanup();
    await schema.drop();
  });

  beforeEach(() => {
    stdout = [];
  });

  it('reports the watermark and the series', async () => {
    expect(await main(['status'])).toBe(0);
    const status = JSON.parse(stdout.join('')) as { series: number; dirtySeries: number; watermark: string };
    expect(status).toMatchObject({ series: 10, dirtySeries: 10, watermark: '2024-02-29' });
  });

  it('rebuilds the aggregates and refreshes every online vector', async () => {
    const before = await pool.query('SELECT * FROM series_daily ORDER BY store_id, sku, day');
    await pool.query('DELETE FROM series_daily');
    expect(await main(['rebuild', '--refresh'])).toBe(0);
    expect((await pool.query('SELECT * FROM series_daily ORDER BY store_id, sku, day')).rows).toEqual(before.rows);
    expect(await countDirty(pool)).toBe(0);
    const settings = featureStoreSettings(
      z.object(featureStoreEnv).parse({ FEATURES_FREQUENCY: 'weekly', FEATURES_HORIZON: '3' }),
    );
    const redis = new Redis(testServers.redisUrl);
    try {
      const store = new OnlineStore(redis, settings.featureSet, `${keys.prefix}:`);
      const { rows } = await pool.query<{ store_id: string; sku: string }>('SELECT store_id, sku FROM series');
      const vectors = await store.readMany(rows.map((r) => ({ storeId: r.store_id, sku: r.sku })));
      expect(vectors.every((v) => v !== null && v.horizon === 3 && v.asOf === '2024-02-25')).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('writes a point-in-time training set as CSV', async () => {
    const file = path.join(dir, 'train.csv');
    expect(
      await main([
        'training-set',
        '--cutoff',
        '2024-01-28',
        '--cutoff',
        '2024-02-11',
        '--known-at',
        'latest',
        '--out',
        file,
      ]),
    ).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 5)).toEqual(['store_id', 'sku', 'cutoff', 'as_of', 'horizon']);
    expect(header.slice(-3)).toEqual(['scale', 'target', 'censored']);
    expect(lines).toHaveLength(1 + 10 * 2 * 3); // series x cutoffs x horizons
    const row = lines[1].split(',');
    expect(row).toHaveLength(header.length);
    expect(row[2]).toBe('2024-01-28');
    // The first cutoff's targets (weeks to 2024-02-18) are known: a number, not empty.
    expect(row[header.length - 2]).toMatch(/^-?\d/);
  });

  it('answers a usage error with exit status 2', async () => {
    expect(await main(['training-set', '--out', path.join(dir, 'x.csv')])).toBe(2);
    expect(await main(['training-set', '--cutoff', '28/01/2024', '--out', path.join(dir, 'x.csv')])).toBe(2);
    expect(await main(['rebuild', '--from', '2024-02-01', '--to', '2024-01-01'])).toBe(1);
    expect(await main(['nonsense'])).toBe(2);
  });
});
