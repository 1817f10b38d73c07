import type { RetailEvent } from '@shelfcast/contracts';
import { simulateRetail } from '@shelfcast/simulation';
import { freePort, startService, type ServiceProcess } from '@shelfcast/testing';

import { countRows, dailyAggregates, dailyTruth, differences, featuresEnvironment } from './harness';

/** About 100k events: sales, returns, daily inventory snapshots, prices, promotions, master data. */
function hundredThousandEvents(seed: number): RetailEvent[] {
  return [...simulateRetail({ stores: 10, skus: 50, days: 110, seed, returnRate: 0.02 }).events()];
}

describe('features consumer under faults', () => {
  let env: Awaited<ReturnType<typeof featuresEnvironment>>;
  const running: ServiceProcess[] = [];

  async function boot(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const service = startService('features', {
      ...env.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      FEATURES_PARTITIONS_CONCURRENTLY: '3',
      ...extra,
    });
    running.push(service);
    await service.waitFor(`http://127.0.0.1:${port}/health/ready`, 200, 90_000);
    return service;
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    await env?.close();
  }, 60_000);

  it('loses nothing and counts nothing twice when the consumer is SIGKILLed five times mid-stream', async () => {
    env = await featuresEnvironment('features_kill');
    const events = hundredThousandEvents(31);
    expect(events.length).toBeGreaterThan(95_000);
    await env.publish(events);

    const distinct = new Set(events.map((e) => `${e.source}|${e.id}`)).size;
    const progress: number[] = [];
    for (let kill = 0; kill < 5; kill++) {
      const service = await boot();
      // Kill it without warning at a random point of the k-th sixth of the stream: always after
      // some work of its own, always before the end.
      const target = Math.floor((distinct * (kill + 0.5 + Math.random() * 0.5)) / 6);
      await env.waitUntil(
        `${target} events are in`,
        async () => (await countRows(env.pool, 'retail_events')) >= target,
        120_000,
      );
      await service.stop('SIGKILL');
      progress.push(await countRows(env.pool, 'retail_events'));
    }
    // The kills landed mid-stream: work was done, and some was left.
    expect(progress[0]).toBeGreaterThan(0);
    expect(progress[4]).toBeLessThan(distinct);

    await boot();
    await env.waitUntil(
      'the last consumer took every event and refreshed every series',
      async () =>
        (await countRows(env.pool, 'retail_events')) === distinct && (await countRows(env.pool, 'online_dirty')) === 0,
      240_000,
    );
    expect(differences(dailyTruth(events), await dailyAggregates(env.pool))).toEqual([]);
  }, 420_000);

  it('loses nothing when one of two consumers stops mid-stream (rebalance)', async () => {
    env = await featuresEnvironment('features_rebalance');
    const events = hundredThousandEvents(32);
    const distinct = new Set(events.map((e) => `${e.source}|${e.id}`)).size;
    const first = await boot();
    await boot();
    // Half the events while both run; the other half once one has gone, so the survivor must take
    // over the partitions of the one that left.
    const half = Math.floor(events.length / 2);
    await env.publish(events.slice(0, half));
    await env.waitUntil(
      'some events are in',
      async () => (await countRows(env.pool, 'retail_events')) > half / 3,
      120_000,
    );
    // A graceful stop (rolling deploy): it finishes its batch in flight and leaves the group.
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(await countRows(env.pool, 'retail_events')).toBeLessThan(distinct);
    await env.publish(events.slice(half));
    await env.waitUntil(
      'the survivor took every event',
      async () =>
        (await countRows(env.pool, 'retail_events')) === distinct && (await countRows(env.pool, 'online_dirty')) === 0,
      240_000,
    );
    expect(differences(dailyTruth(events), await dailyAggregates(env.pool))).toEqual([]);
  }, 420_000);
});
