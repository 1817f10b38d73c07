import { testRedisPrefix, testServers } from '@shelfcast/testing';
import Redis from 'ioredis';

import { DedupStore } from '../src/ingest/dedup.store';

const WINDOW_S = 3600;

describe('DedupStore on Redis', () => {
  const prefix = testRedisPrefix('dedup');
  const redis = new Redis(testServers.redisUrl, { maxRetriesPerRequest: 2 });
  // The store's clock is set by the test; Redis expires keys by its own, so stay near the real time.
  let clock = Date.now();
  const store = new DedupStore(redis, prefix.prefix, WINDOW_S, () => clock);
  const events = (source: string, ids: string[]) => ids.map((id) => ({ source, id }));

  afterAll(async () => {
    await prefix.cleanup();
    redis.disconnect();
  });

  it('answers for each item, in order, across many ids and sources', async () => {
    // 5,000 items in the mixed lookup: more than one script call.
    const ids = Array.from({ length: 2500 }, (_, i) => `e-${i}`);
    expect(await store.seen(events('pos', ids))).toEqual(ids.map(() => false));
    // Every third id published by `pos`, every fifth by `web`.
    await store.markPublished(
      events(
        'pos',
        ids.filter((_, i) => i % 3 === 0),
      ),
    );
    await store.markPublished(
      events(
        'web',
        ids.filter((_, i) => i % 5 === 0),
      ),
    );
    const mixed = ids.flatMap((id) => [
      { source: 'pos', id },
      { source: 'web', id },
    ]);
    const seen = await store.seen(mixed);
    expect(seen).toEqual(mixed.map(({ source, id }) => Number(id.slice(2)) % (source === 'pos' ? 3 : 5) === 0));
    expect(await store.seen([])).toEqual([]);
  });

  it('remembers an id for at least the window and at most two, and leaves no key without expiry', async () => {
    // 10 s into the next generation.
    clock = (Math.floor(Date.now() / 1000 / WINDOW_S) + 1) * WINDOW_S * 1000 + 10_000;
    await store.markPublished(events('shop', ['late-1']));
    clock += (WINDOW_S - 20) * 1000;
    expect(await store.seen(events('shop', ['late-1']))).toEqual([true]);
    clock += 30 * 1000; // next generation: the previous one is still looked up
    expect(await store.seen(events('shop', ['late-1']))).toEqual([true]);
    clock += WINDOW_S * 1000; // two generations on: forgotten
    expect(await store.seen(events('shop', ['late-1']))).toEqual([false]);

    const keys = await redis.keys(`${prefix.prefix}:dedup:*`);
    expect(keys.length).toBeGreaterThan(0);
    const expiries = await Promise.all(keys.map((k) => redis.expiretime(k)));
    expect(expiries.every((t) => t > 0)).toBe(true);
  });
});
