import { HEADERS, RAW_TOPICS, TOPICS, type SaleRecorded } from '@shelfcast/contracts';
import { EventConsumer, EventProducer, type ConsumedEvent } from '../src';
import { createTestKafka, readTopic, type TestKafka } from '@shelfcast/testing';
import pino from 'pino';

const logger = pino({ level: 'silent' });

function sale(i: number, storeId = 's1', sku = `sku-${i % 5}`): SaleRecorded {
  return {
    id: `evt-${i}`,
    type: 'shelfcast.sale.recorded.v1',
    source: 'pos-test',
    time: '2026-11-29T10:00:00Z',
    data: { storeId, sku, quantity: 1 + (i % 3), unitPrice: '2.50', currency: 'USD' },
  };
}

async function waitUntil(predicate: () => boolean, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('libs/kafka on a real broker', () => {
  let t: TestKafka;
  let producer: EventProducer;
  const consumers: Array<EventConsumer<typeof TOPICS.sales>> = [];

  beforeAll(async () => {
    t = await createTestKafka('kafka');
    producer = new EventProducer(t.kafka, { logger, topicPrefix: t.prefix });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.disconnect();
    await t.cleanup();
  });

  function consume(groupId: string, handle: (events: ConsumedEvent<typeof TOPICS.sales>[]) => Promise<void>) {
    const consumer = new EventConsumer(t.kafka, {
      groupId,
      topics: [TOPICS.sales],
      handle,
      deadLetterTopic: RAW_TOPICS.ingestDlq,
      producer,
      logger,
      topicPrefix: t.prefix,
      retry: { retries: 2, initialDelayMs: 20, maxDelayMs: 50 },
    });
    consumers.push(consumer);
    return consumer;
  }

  it('publishes typed events keyed by series, and a consumer receives each once with its headers', async () => {
    const events = Array.from({ length: 50 }, (_, i) => sale(i));
    const metadata = await producer.publish(TOPICS.sales, events);
    expect(metadata.length).toBeGreaterThan(0);

    const received: ConsumedEvent<typeof TOPICS.sales>[] = [];
    await consume('roundtrip', async (batch) => {
      received.push(...batch);
    }).start();
    await waitUntil(() => received.length >= 50);

    expect(received.map((r) => r.event.id).sort()).toEqual(events.map((e) => e.id).sort());
    const first = received.find((r) => r.event.id === 'evt-0')!;
    expect(first.key).toBe('s1|sku-0');
    expect(first.headers[HEADERS.eventType]).toBe('shelfcast.sale.recorded.v1');
    expect(first.event).toEqual(events[0]);
    // One series stays in one partition, in order.
    const series = received.filter((r) => r.key === 's1|sku-1');
    expect(new Set(series.map((r) => r.partition)).size).toBe(1);
    expect(series.map((r) => Number(r.event.id.slice(4)))).toEqual(
      [...series.map((r) => Number(r.event.id.slice(4)))].sort((a, b) => a - b),
    );
  });

  it('refuses to publish an event that breaks its topic contract', async () => {
    const bad = { ...sale(1), data: { ...sale(1).data, quantity: -1 } };
    await expect(producer.publish(TOPICS.sales, [bad])).rejects.toThrow('returnReason');
  });

  it('dead-letters what a handler keeps failing on, and what does not parse, with the reason in headers', async () => {
    const dlqBefore = await readAll(RAW_TOPICS.ingestDlq);
    const poisonId = 'evt-poison';
    const handled: string[] = [];
    let attempts = 0;
    // A second group on the same topic: starts from the beginning and sees the 50 events above too.
    await consume('failing', async (batch) => {
      if (batch.some((b) => b.event.id === poisonId)) {
        attempts++;
        throw new Error('cannot handle the poison event');
      }
      handled.push(...batch.map((b) => b.event.id));
    }).start();

    await producer.publish(TOPICS.sales, [
      sale(100, 's9', 'x'),
      { ...sale(101, 's9', 'x'), id: poisonId },
      sale(102, 's9', 'x'),
    ]);
    await producer.sendRaw(TOPICS.sales, [{ key: 's9|x', value: '{not json' }]);
    await producer.sendRaw(TOPICS.sales, [
      { key: 's9|x', value: JSON.stringify({ ...sale(103, 's9', 'x'), time: '2026-11-29T10:00:00' }) },
    ]);

    // Both groups dead-letter the two unparseable messages; only the failing group the poison.
    const all = await readTopic(t.kafka, t.prefix + RAW_TOPICS.ingestDlq, dlqBefore + 5);
    const dead = all.filter((d) => d.headers[HEADERS.originGroup] === 'failing');
    expect(dead).toHaveLength(3);
    const poison = dead.find((d) => d.value.includes(poisonId))!;
    expect(poison.headers[HEADERS.error]).toBe('cannot handle the poison event');
    expect(poison.headers[HEADERS.errorKind]).toBe('processing');
    expect(poison.headers[HEADERS.originTopic]).toBe(TOPICS.sales);
    expect(poison.headers[HEADERS.originGroup]).toBe('failing');
    expect(poison.headers[HEADERS.originOffset]).toMatch(/^\d+$/);
    expect(poison.key).toBe('s9|x');

    const notJson = dead.find((d) => d.value === '{not json')!;
    expect(notJson.headers[HEADERS.errorKind]).toBe('invalid');
    expect(notJson.headers[HEADERS.error]).toContain('not JSON');

    const noOffset = dead.find((d) => d.value.includes('evt-103'))!;
    expect(noOffset.headers[HEADERS.error]).toContain('time:');

    // Its neighbours in the same batch were handled; the poison was retried before it was dead-lettered.
    await waitUntil(() => handled.includes('evt-100') && handled.includes('evt-102'));
    expect(handled).not.toContain(poisonId);
    expect(attempts).toBeGreaterThanOrEqual(3);
  });

  it('commits after processing: a restarted group member resumes after the last handled batch', async () => {
    const first: string[] = [];
    const c1 = consume('resume', async (batch) => {
      first.push(...batch.map((b) => b.event.id));
    });
    await c1.start();
    await producer.publish(TOPICS.sales, [sale(200, 's7', 'r')]);
    await waitUntil(() => first.includes('evt-200'));
    await c1.stop();

    await producer.publish(TOPICS.sales, [sale(201, 's7', 'r')]);
    const second: string[] = [];
    await consume('resume', async (batch) => {
      second.push(...batch.map((b) => b.event.id));
    }).start();
    await waitUntil(() => second.includes('evt-201'));
    expect(second).not.toContain('evt-200');
    expect(second.filter((id) => id === 'evt-201')).toHaveLength(1);
  });

  async function readAll(topic: string): Promise<number> {
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(t.prefix + topic);
      return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }
});
