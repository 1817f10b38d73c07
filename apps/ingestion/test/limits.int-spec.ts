import request from 'supertest';

import { sale, startIngestion } from './harness';

describe('per-key rate limit', () => {
  let h: Awaited<ReturnType<typeof startIngestion>>;

  beforeAll(async () => {
    h = await startIngestion({ INGEST_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 429 with Retry-After once a key used its budget, and counts keys apart', async () => {
    const send = (key: string, i: number) =>
      request(h.server)
        .post('/v1/events')
        .set('x-api-key', key)
        .set('content-type', 'application/json')
        .send([sale(i)]);
    // A minute boundary between these requests would reset the window; start right after one if close.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    for (let i = 0; i < 3; i++) await send(h.key, i).expect(202);
    const limited = await send(h.key, 3).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body.error.message).toMatch(/rate limit of 3 requests per minute/);
    // Another key of the same source has its own budget.
    const other = await h.keys.create('pos-test');
    await send(other.key, 4).expect(202);
  });
});
