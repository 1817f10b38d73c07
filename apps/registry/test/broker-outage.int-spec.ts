import { createTestBroker, type TestBroker } from '@shelfcast/testing';

import { registration, startRegistry, type Registry } from './harness';

const actor = { actor: 'ops', reason: 'promotion during a Kafka outage' };

/** The value of a metric line of the registry's /metrics. */
async function metric(r: Registry, name: string): Promise<number> {
  const text = await (await fetch(`${r.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('registry while Kafka is down', () => {
  let broker: TestBroker;
  let r: Registry;

  beforeAll(async () => {
    broker = await createTestBroker();
    r = await startRegistry(
      { REGISTRY_OUTBOX_RETRY_MS: '100', REGISTRY_OUTBOX_MAX_BACKOFF_MS: '1000' },
      broker.brokers,
    );
  }, 180_000);

  afterAll(async () => {
    await r?.close().catch(() => undefined);
    await broker?.destroy();
  }, 120_000);

  it('keeps taking changes while the broker is stopped and delivers their events, in order, once it is back', async () => {
    await r.client.registerVersion('outage', registration('before', { wape: 0.2 }));
    expect((await r.events(1)).map((m) => m.event.type)).toEqual(['shelfcast.model.registered.v1']);

    await broker.stop();
    // Registrations and moves succeed: their events wait in the outbox, committed with them.
    const during = [];
    for (const run of ['down-1', 'down-2', 'down-3'])
      during.push(await r.client.registerVersion('outage', registration(run, { wape: 0.1 })));
    expect(during.map((d) => [d.created, d.version.version])).toEqual([
      [true, 2],
      [true, 3],
      [true, 4],
    ]);
    await r.client.moveAlias('outage', 'production', { version: 2, ...actor });
    expect(await r.prisma.modelOutboxEvent.count({ where: { sentAt: null } })).toBe(4);
    expect(await metric(r, 'shelfcast_registry_outbox_pending')).toBe(4);

    // The relay keeps retrying (with backoff) until the broker is back.
    const failuresBefore = await metric(r, 'shelfcast_registry_outbox_publish_failures_total');
    for (;;) {
      if ((await metric(r, 'shelfcast_registry_outbox_publish_failures_total')) > failuresBefore) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    await broker.start();
    const events = await r.events(5, 120_000);
    expect(events.map((m) => `${m.event.type} ${m.event.data.version}`)).toEqual([
      'shelfcast.model.registered.v1 1',
      'shelfcast.model.registered.v1 2',
      'shelfcast.model.registered.v1 3',
      'shelfcast.model.registered.v1 4',
      'shelfcast.model.alias-moved.v1 2',
    ]);
    // Each once: the unsent rows are marked after Kafka acknowledged them.
    for (;;) {
      if ((await r.prisma.modelOutboxEvent.count({ where: { sentAt: null } })) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await r.topicSize()).toBe(5);
    const failed = await r.prisma.modelOutboxEvent.findMany({ where: { attempts: { gt: 1 } } });
    expect(failed.length).toBeGreaterThan(0);
  }, 300_000);
});
