import { HEADERS, RAW_TOPICS, RETAIL_EVENT_TOPIC, TOPICS, retailEventKey } from '@shelfcast/contracts';
import request from 'supertest';

import { SOURCE, oneOfEach, sale, startIngestion } from './harness';

describe('POST /v1/events on real Kafka, PostgreSQL and Redis', () => {
  let h: Awaited<ReturnType<typeof startIngestion>>;
  const post = (body: unknown, type = 'application/json') =>
    request(h.server)
      .post('/v1/events')
      .set('authorization', `Bearer ${h.key}`)
      .set('content-type', type)
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  beforeAll(async () => {
    h = await startIngestion({
      INGEST_MAX_BODY_BYTES: String(2 * 1024 * 1024),
      INGEST_MAX_LINE_BYTES: String(64 * 1024),
      // Check every key on every request here, so a revocation shows at once.
      INGEST_API_KEY_CACHE_MS: '0',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('accepts every event type and each is readable from its topic, keyed, with headers', async () => {
    const events = oneOfEach();
    const res = await post(events).expect(202);
    expect(res.body).toEqual({ accepted: 7, published: 7, duplicates: 0, rejected: [] });

    for (const event of events) {
      const topic = RETAIL_EVENT_TOPIC[event.type];
      const expected = events.filter((e) => RETAIL_EVENT_TOPIC[e.type] === topic).length;
      const messages = await h.read(topic, expected);
      const message = messages.find((m) => (JSON.parse(m.value) as { id: string }).id === event.id);
      expect(message).toBeDefined();
      expect(JSON.parse(message!.value)).toEqual(event);
      expect(message!.key).toBe(retailEventKey(event));
      expect(message!.headers[HEADERS.eventType]).toBe(event.type);
      expect(message!.headers[HEADERS.eventId]).toBe(event.id);
      expect(message!.headers[HEADERS.eventSource]).toBe(SOURCE);
    }
    expect((await h.read(TOPICS.sales, 2)).map((m) => m.key)).toEqual(['s1|a', 's1|a']);
  });

  it('publishes 997 of 1,000 items and reports the 3 bad ones with index and field path', async () => {
    const events: unknown[] = Array.from({ length: 1000 }, (_, i) => sale(10_000 + i));
    events[17] = { ...sale(10_017), data: { ...sale(10_017).data, quantity: 'three' } };
    events[500] = { ...sale(10_500), time: '2026-11-29 10:00' };
    events[999] = { ...sale(10_999), data: { ...sale(10_999).data, currency: 'euro' } };
    const res = await post(events).expect(202);
    expect(res.body.accepted).toBe(997);
    expect(res.body.published).toBe(997);
    expect(res.body.rejected.map((r: { index: number; path: string }) => [r.index, r.path])).toEqual([
      [17, 'data.quantity'],
      [500, 'time'],
      [999, 'data.currency'],
    ]);
    const onTopic = await h.read(TOPICS.sales, 2 + 997);
    const ids = new Set(onTopic.map((m) => (JSON.parse(m.value) as { id: string }).id));
    expect(ids.has('sale-10017') || ids.has('sale-10500') || ids.has('sale-10999')).toBe(false);
    expect(ids.has('sale-10000') && ids.has('sale-10998')).toBe(true);
  });

  it('takes a re-sent event without publishing it twice, in a later request and within one', async () => {
    const first = await post([sale(20_000), sale(20_001)]).expect(202);
    expect(first.body).toMatchObject({ accepted: 2, published: 2, duplicates: 0 });
    const again = await post([sale(20_000), sale(20_002), sale(20_002)]).expect(202);
    expect(again.body).toMatchObject({ accepted: 3, published: 1, duplicates: 2 });
    const all = await h.read(TOPICS.sales, 2 + 997 + 3);
    const count = (id: string) => all.filter((m) => (JSON.parse(m.value) as { id: string }).id === id).length;
    expect([count('sale-20000'), count('sale-20001'), count('sale-20002')]).toEqual([1, 1, 1]);
  });

  it('streams NDJSON and reports unreadable lines by line index', async () => {
    const body = [JSON.stringify(sale(30_000)), '', '{"id": NaN}', JSON.stringify(sale(30_001)), ''].join('\n');
    const res = await post(body, 'application/x-ndjson').expect(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([
      { index: 2, path: '', message: expect.stringContaining('line 3 is not valid JSON') },
    ]);
  });

  it('maps CSV sales by header name and binds them to the key’s source', async () => {
    const csv =
      'Store_ID,SKU,Qty,Price,Currency,Timestamp,Event_ID,Return_Reason\n' +
      's1,a,2,3.10,EUR,2026-11-29T08:00:00Z,csv-1,\n' +
      's1,a,-1,3.10,EUR,2026-11-29T09:00:00Z,csv-2,damaged\n' +
      's1,a,NaN,3.10,EUR,2026-11-29T09:00:00Z,csv-3,\n';
    const res = await post(csv, 'text/csv').expect(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([{ index: 2, path: 'data.quantity', message: expect.any(String) }]);
    const unknown = await post('store,sku,qty,price,currency,time,id,colour\n', 'text/csv').expect(400);
    expect(unknown.body.error.message).toBe('unknown CSV column(s): colour');
    const missing = await post('store,sku,qty\n', 'text/csv').expect(400);
    expect(missing.body.error.message).toContain('missing CSV column(s): id, time, unitPrice, currency');
  });

  describe('refuses bad requests with a clear 4xx and stays up', () => {
    const cases: Array<[string, () => request.Test, number, RegExp]> = [
      ['malformed JSON', () => post('[{"id": "x",'), 400, /JSON/],
      ['a wrong content type', () => post('hello', 'text/plain'), 415, /unsupported content type 'text\/plain'/],
      ['an oversize body', () => post(JSON.stringify([{ pad: 'x'.repeat(3 * 1024 * 1024) }])), 413, /too large/],
      [
        'a batch over the event limit',
        () => post(Array.from({ length: 10_001 }, () => ({}))),
        413,
        /more than 10000 events/,
      ],
      ['no API key', () => request(h.server).post('/v1/events').send([]), 401, /API key is required/],
      [
        'an invalid API key',
        () =>
          request(h.server)
            .post('/v1/events')
            .set('x-api-key', 'sc_AAAAAAAAAAAA_' + 'b'.repeat(43))
            .send([]),
        401,
        /not valid/,
      ],
      [
        'a malformed API key',
        () => request(h.server).post('/v1/events').set('authorization', 'Bearer nope').send([]),
        401,
        /not valid/,
      ],
      ['a key used for another source', () => post([sale(1), sale(2, 'pos-other')]), 403, /only for source 'pos-test'/],
      [
        'a 10 MB NDJSON line',
        () => post(`{"id":"${'x'.repeat(10 * 1024 * 1024)}"}\n`, 'application/x-ndjson'),
        413,
        /line 1 is longer than/,
      ],
      ['an empty CSV', () => post('', 'text/csv'), 400, /empty/],
    ];
    it.each(cases)('%s', async (_name, send, status, message) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
      await request(h.server).get('/health/live').expect(200);
    });

    it('names the field for unknown types, NaN, Infinity, negative quantities and dates without offset', async () => {
      const res = await post([
        { ...sale(40_000), type: 'shelfcast.sale.invented.v1' },
        { ...sale(40_001), data: { ...sale(40_001).data, quantity: null } }, // NaN and Infinity arrive as null in JSON
        { ...sale(40_002), data: { ...sale(40_002).data, quantity: -2 } },
        { ...sale(40_003), time: '2026-11-29T10:00:00' },
        { ...sale(40_004), data: { ...sale(40_004).data, unitPrice: 2.5 } },
      ]).expect(202);
      expect(res.body.accepted).toBe(0);
      expect(res.body.rejected.map((r: { index: number; path: string }) => `${r.index}:${r.path}`)).toEqual([
        '0:type',
        '1:data.quantity',
        '2:data.returnReason',
        '3:time',
        '4:data.unitPrice',
      ]);
      // A literal NaN or Infinity is not JSON at all.
      await post('[{"quantity": NaN}]').expect(400);
      await post('[{"quantity": Infinity}]').expect(400);
    });
  });

  it('refuses a revoked key', async () => {
    const issued = await h.keys.create(SOURCE);
    const send = () =>
      request(h.server)
        .post('/v1/events')
        .set('x-api-key', issued.key)
        .set('content-type', 'application/json')
        .send('[]');
    await send().expect(202);
    await h.keys.revoke(issued.id);
    const res = await send().expect(401);
    expect(res.body.error.message).toBe('this API key has been revoked');
  });

  it('routes valid events from the raw topic to their canonical topics and dead-letters invalid ones with the reason', async () => {
    const producer = h.kafka.kafka.producer();
    await producer.connect();
    const valid = oneOfEach(SOURCE, 'raw');
    await producer.send({
      topic: h.kafka.prefix + RAW_TOPICS.ingestRaw,
      messages: [
        ...valid.map((e) => ({ key: retailEventKey(e), value: JSON.stringify(e) })),
        { key: 'junk', value: '{"id":"raw-bad","type":"shelfcast.sale.recorded.v1"}' },
      ],
    });
    await producer.disconnect();
    const stores = await h.read(TOPICS.stores, 2, 60_000);
    expect(stores.map((m) => (JSON.parse(m.value) as { id: string }).id)).toContain('store-raw');
    const dead = await h.read(RAW_TOPICS.ingestDlq, 1, 60_000);
    expect(dead[0].headers[HEADERS.originTopic]).toBe(RAW_TOPICS.ingestRaw);
    expect(dead[0].headers[HEADERS.error]).toMatch(/source|time|data/);
  });
});
