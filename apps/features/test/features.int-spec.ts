import { HEADERS, RAW_TOPICS, TOPICS, type FeaturesUpdated, type RetailEvent } from '@shelfcast/contracts';
import { OnlineStore, readWatermark } from '@shelfcast/feature-store';
import { retailFeatureSet } from '@shelfcast/features-core';
import { simulateRetail } from '@shelfcast/simulation';
import { readTopic, testServers } from '@shelfcast/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import request from 'supertest';

import { countRows, dailyAggregates, dailyTruth, differences, featuresEnvironment, startFeatures } from './harness';

describe('features service on Kafka, PostgreSQL and Redis', () => {
  let env: Awaited<ReturnType<typeof featuresEnvironment>>;
  let app: NestFastifyApplication;
  let redis: Redis;
  const sim = simulateRetail({ stores: 2, skus: 6, days: 40, seed: 21, returnRate: 0.05 });
  const events: RetailEvent[] = [...sim.events()];

  beforeAll(async () => {
    env = await featuresEnvironment('features_e2e');
    ({ app } = await startFeatures(env.env, { FEATURES_FREQUENCY: 'weekly', FEATURES_HORIZON: '4' }));
    redis = new Redis(testServers.redisUrl);
    // Everything twice (a back end retrying), and one message that is not an event at all.
    await env.publish(events, { raw: [{ topic: TOPICS.sales, value: '{"id": "broken"' }] });
    await env.publish(events.slice(0, 500));
    await env.waitUntil(
      'every event is stored and every online vector current',
      async () => {
        const status = await request(app.getHttpServer()).get('/v1/features/status');
        return (
          (await countRows(env.pool, 'retail_events')) === events.length &&
          (await countRows(env.pool, 'series')) === 12 &&
          status.body.dirtySeries === 0 &&
          status.body.staleSeries === 0
        );
      },
      120_000,
    );
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await env?.close();
  }, 60_000);

  it('keeps daily aggregates equal to the events, each counted once', async () => {
    expect(differences(dailyTruth(events), await dailyAggregates(env.pool))).toEqual([]);
  });

  it('dead-letters a message that is not an event, with the reason, and goes on', async () => {
    const [dead] = await readTopic(env.kafka.kafka, env.kafka.prefix + RAW_TOPICS.featuresDlq, 1, 30_000);
    expect(dead.value).toBe('{"id": "broken"');
    expect(dead.headers[HEADERS.errorKind]).toBe('invalid');
    expect(dead.headers[HEADERS.error]).toMatch(/not JSON/);
    expect(dead.headers[HEADERS.originTopic]).toBe(TOPICS.sales);
  });

  it('serves online vectors of every series at the watermark, and announces them', async () => {
    const fs = retailFeatureSet({ frequency: 'weekly', measure: 'units' });
    const store = new OnlineStore(redis, fs, `${env.redis.prefix}:`);
    const sale = events.find((e) => e.type === 'shelfcast.sale.recorded.v1');
    if (sale?.type !== 'shelfcast.sale.recorded.v1') throw new Error('the simulation sent no sale');
    const ref = { storeId: sale.data.storeId, sku: sale.data.sku };
    const v = await store.read(ref);
    expect(v).not.toBeNull();
    expect(v?.horizon).toBe(4);
    expect(v?.numFeatures).toBe(fs.numFeatures);
    // The anchor is the last week complete at the watermark (weeks end on Sundays).
    const watermark = (await readWatermark(env.pool)) as string;
    expect((v?.asOf ?? '9999') <= watermark).toBe(true);
    expect(new Date(`${v?.asOf}T00:00:00Z`).getUTCDay()).toBe(0);

    const admin = env.kafka.kafka.admin();
    await admin.connect();
    const offsets = await admin
      .fetchTopicOffsets(env.kafka.prefix + TOPICS.featuresUpdated)
      .finally(() => admin.disconnect());
    const published = offsets.reduce((n, o) => n + Number(o.high), 0);
    expect(published).toBeGreaterThan(0);
    const announced = new Set<string>();
    for (const m of await readTopic(env.kafka.kafka, env.kafka.prefix + TOPICS.featuresUpdated, published, 30_000)) {
      const e = JSON.parse(m.value) as FeaturesUpdated;
      expect(e.data.featureSetVersion).toBe(fs.fingerprint);
      for (const s of e.data.series) announced.add(`${s.storeId}|${s.sku}`);
    }
    expect(announced.has(`${ref.storeId}|${ref.sku}`)).toBe(true);

    const http = app.getHttpServer();
    const one = await request(http).get(`/v1/features/online/${ref.storeId}/${ref.sku}`).expect(200);
    expect(one.body.featureSet).toBe(fs.fingerprint);
    expect(one.body.featureNames).toEqual(fs.names);
    expect(one.body.rows).toHaveLength(4);
    expect(one.body.rows[0]).toHaveLength(fs.numFeatures);
    expect(one.body.asOf).toBe(v?.asOf);

    const many = await request(http)
      .get(`/v1/features/online?series=${ref.storeId}|${ref.sku},nowhere|nothing`)
      .expect(200);
    expect(many.body.series.map((s: { found: boolean }) => s.found)).toEqual([true, false]);

    const status = await request(http).get('/v1/features/status').expect(200);
    expect(status.body).toEqual({
      featureSet: fs.fingerprint,
      watermark,
      asOf: v?.asOf,
      dirtySeries: 0,
      staleSeries: 0,
    });
    const set = await request(http).get('/v1/features/set').expect(200);
    expect(set.body).toMatchObject({
      fingerprint: fs.fingerprint,
      measure: 'units',
      horizon: 4,
      grid: { frequency: 'weekly' },
    });
  });

  it('answers bad series references with 400 and a reason, unknown ones with 404', async () => {
    const http = app.getHttpServer();
    const bad = await request(http).get('/v1/features/online?series=only-a-store').expect(400);
    expect(bad.body.error).toMatchObject({ status: 400, code: 'invalid_series' });
    expect(bad.body.error.message).toMatch(/series\[0\].*storeId\|sku/);
    const missing = await request(http).get('/v1/features/online').expect(400);
    expect(missing.body.error.code).toBe('invalid_series');
    const tooMany = Array.from({ length: 501 }, (_, i) => `s|${i}`).join(',');
    expect((await request(http).get(`/v1/features/online?series=${tooMany}`).expect(400)).body.error.code).toBe(
      'too_many_series',
    );
    const unknown = await request(http).get('/v1/features/online/nowhere/nothing').expect(404);
    expect(unknown.body.error.code).toBe('not_found');
  });
});
