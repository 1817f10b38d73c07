import { RETAIL_EVENT_TOPIC, type RetailEvent } from '@shelfcast/contracts';
import fc from 'fast-check';
import request from 'supertest';

import { SOURCE, startIngestion } from './harness';

const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
const code = fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/);
const money = fc
  .tuple(fc.nat({ max: 99_999 }), fc.nat({ max: 99 }))
  .map(([a, c]) => `${a}.${String(c).padStart(2, '0')}`);
const instant = fc
  .date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const day = fc
  .date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** Random valid events of every type, within the contracts. */
const validEvent: fc.Arbitrary<RetailEvent> = fc.oneof(
  fc.record({
    id,
    type: fc.constant('shelfcast.sale.recorded.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.oneof(
      fc.record({
        storeId: code,
        sku: code,
        quantity: fc.integer({ min: 1, max: 500 }),
        unitPrice: money,
        currency: fc.constantFrom('EUR', 'USD'),
      }),
      fc.record({
        storeId: code,
        sku: code,
        quantity: fc.integer({ min: -20, max: -1 }),
        unitPrice: money,
        currency: fc.constant('EUR'),
        returnReason: fc.constantFrom('damaged' as const, 'defective' as const, 'unwanted' as const),
      }),
    ),
  }),
  fc.record({
    id,
    type: fc.constant('shelfcast.inventory.snapshot.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.record({ storeId: code, sku: code, onHand: fc.nat({ max: 10_000 }) }),
  }),
  fc.record({
    id,
    type: fc.constant('shelfcast.price.changed.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.record({ storeId: code, sku: code, price: money, currency: fc.constant('EUR'), effectiveFrom: instant }),
  }),
  fc.record({
    id,
    type: fc.constant('shelfcast.promotion.scheduled.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.tuple(day, fc.nat({ max: 30 }), code, code, code).map(([start, len, promotionId, storeId, sku]) => ({
      promotionId,
      storeId,
      sku,
      startDate: start,
      endDate: new Date(Date.parse(`${start}T00:00:00Z`) + len * 86_400_000).toISOString().slice(0, 10),
      kind: 'discount' as const,
    })),
  }),
  fc.record({
    id,
    type: fc.constant('shelfcast.product.upserted.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.record({
      sku: code,
      category: code,
      department: code,
      casePack: fc.integer({ min: 1, max: 48 }),
      leadTimeDays: fc.nat({ max: 60 }),
    }),
  }),
  fc.record({
    id,
    type: fc.constant('shelfcast.store.upserted.v1' as const),
    source: fc.constant(SOURCE),
    time: instant,
    data: fc.record({
      storeId: code,
      region: code,
      timeZone: fc.constantFrom('Europe/Berlin', 'America/Chicago', 'UTC'),
    }),
  }),
);

/** A valid event broken in one place, the way senders break them. */
const invalidEvent = fc
  .tuple(
    validEvent,
    fc.constantFrom<[string, unknown]>(
      ['time', '2026-11-29T10:00:00'],
      ['time', 'yesterday'],
      ['id', ''],
      ['type', 'shelfcast.sale.v0'],
      ['source', 'Not A Source!'],
      ['data', null],
      ['data', 'x'],
      ['extra', 1],
    ),
  )
  .map(([event, [field, value]]) => ({ ...event, [field]: value }));

const junk = fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.constant(null));

describe('ingestion properties on the real servers', () => {
  let h: Awaited<ReturnType<typeof startIngestion>>;
  let run = 0;

  beforeAll(async () => {
    h = await startIngestion({ INGEST_RATE_LIMIT_PER_MINUTE: '100000' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (body: string, type = 'application/json') =>
    request(h.server).post('/v1/events').set('authorization', `Bearer ${h.key}`).set('content-type', type).send(body);

  it('random valid events round-trip unchanged through Kafka', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(validEvent, { minLength: 1, maxLength: 20, selector: (e) => e.id }),
        async (events) => {
          const tagged = events.map((e) => ({ ...e, id: `r${run}-${e.id}`.slice(0, 128) }) as RetailEvent);
          run++;
          const res = await post(JSON.stringify(tagged));
          expect(res.status).toBe(202);
          expect(res.body).toMatchObject({ accepted: tagged.length, published: tagged.length, rejected: [] });
          for (const topic of new Set(tagged.map((e) => RETAIL_EVENT_TOPIC[e.type]))) {
            const sent = tagged.filter((e) => RETAIL_EVENT_TOPIC[e.type] === topic);
            const all = await h.readAll(topic);
            for (const e of sent) expect(all.get(e.id)).toEqual(e);
          }
        },
      ),
      { numRuns: 15, seed: 7 },
    );
  });

  it('random invalid items are rejected with a path, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(invalidEvent, junk), { minLength: 1, maxLength: 20 }), async (items) => {
        const res = await post(JSON.stringify(items));
        expect(res.status).toBeLessThan(500);
        if (res.status === 202) {
          expect(res.body.accepted).toBe(0);
          expect(new Set(res.body.rejected.map((r: { index: number }) => r.index)).size).toBe(items.length);
        } else {
          expect(res.body.error.message).toEqual(expect.any(String));
        }
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('random bytes as NDJSON or CSV never cause a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 400 }),
        fc.constantFrom('application/x-ndjson', 'text/csv'),
        async (body, type) => {
          const res = await post(body, type);
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 40, seed: 13 },
    );
  });
});
