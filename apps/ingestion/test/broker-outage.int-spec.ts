import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { TOPICS } from '@shelfcast/contracts';
import { createTestBroker, type TestBroker } from '@shelfcast/testing';

import { sale, startIngestion } from './harness';

/** Posts NDJSON lines in two parts, running `between` after the first part has been written. */
function postInTwoParts(
  url: string,
  key: string,
  first: string[],
  second: string[],
  between: () => Promise<void>,
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.write(`${first.join('\n')}\n`);
    between().then(
      () => {
        req.end(`${second.join('\n')}\n`);
      },
      (e: unknown) => {
        req.destroy();
        reject(e as Error);
      },
    );
  });
}

describe('ingestion while the broker stops mid-batch', () => {
  let broker: TestBroker;
  let h: Awaited<ReturnType<typeof startIngestion>>;
  let url: string;

  beforeAll(async () => {
    broker = await createTestBroker();
    h = await startIngestion({ INGEST_CHUNK_EVENTS: '100', INGEST_RETRY_AFTER_S: '2' }, broker.brokers);
    await h.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}/v1/events`;
  }, 180_000);

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await broker?.destroy();
  }, 120_000);

  it('answers 503 with Retry-After, loses nothing acknowledged, and a retry publishes each id exactly once', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify(sale(i)));
    // Sum of the sales topic's high watermarks. Right after a broker (re)start its partitions
    // can still be electing a leader, so a retriable metadata error is asked again.
    const published = async (): Promise<number> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const admin = h.kafka.kafka.admin();
        try {
          await admin.connect();
          const offsets = await admin.fetchTopicOffsets(h.kafka.prefix + TOPICS.sales);
          return offsets.reduce((sum, o) => sum + Number(o.high), 0);
        } catch (e) {
          if (Date.now() > deadline || (e as { retriable?: boolean }).retriable === false) throw e;
          await new Promise((r) => setTimeout(r, 250));
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      }
    };

    const failed = await postInTwoParts(url, h.key, lines.slice(0, 300), lines.slice(300), async () => {
      // The first chunks are acknowledged before the broker goes away.
      const deadline = Date.now() + 60_000;
      while ((await published()) < 300) {
        if (Date.now() > deadline) throw new Error('the first chunks were not published');
        await new Promise((r) => setTimeout(r, 100));
      }
      await broker.stop();
    });
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('2');
    expect(failed.body.error?.code).toBe('kafka_unavailable');

    await broker.start();
    const retried = await postInTwoParts(url, h.key, lines.slice(0, 500), lines.slice(500), async () => undefined);
    expect(retried.status).toBe(202);
    expect(retried.body.accepted).toBe(1000);
    expect(retried.body.duplicates).toBeGreaterThanOrEqual(300);
    expect((retried.body.published as number) + (retried.body.duplicates as number)).toBe(1000);

    const messages = await h.read(TOPICS.sales, 1000, 60_000);
    const counts = new Map<string, number>();
    for (const m of messages) {
      const id = (JSON.parse(m.value) as { id: string }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(await published()).toBe(1000);
  }, 240_000);
});
