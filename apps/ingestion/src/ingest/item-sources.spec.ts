import { Readable } from 'node:stream';

import { itemsFromCsv, itemsFromJson, itemsFromNdjson, type RawItem } from './item-sources';

async function collect(items: AsyncIterable<RawItem>): Promise<RawItem[]> {
  const out: RawItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const limits = { maxBytes: 1024 * 1024, maxLineBytes: 64 };

describe('itemsFromJson', () => {
  it('yields each element with its index and lets the array go of it', () => {
    const body: unknown[] = [{ a: 1 }, null, { c: 3 }];
    const items = [...itemsFromJson(body)];
    expect(items).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, value: null },
      { index: 2, value: { c: 3 } },
    ]);
    expect(body).toEqual([undefined, undefined, undefined]);
  });

  it('takes one object as a batch of one and refuses anything else', () => {
    expect([...itemsFromJson({ a: 1 })]).toEqual([{ index: 0, value: { a: 1 } }]);
    expect(() => [...itemsFromJson('text')]).toThrow('must be an array of events or one event object');
  });
});

describe('itemsFromNdjson', () => {
  it('splits lines across chunk boundaries, keeps line numbers as indices and skips blank lines', async () => {
    const chunks = ['{"a":1}\n{"b"', ':2}\n\n', '{"c":3}'].map((c) => Buffer.from(c));
    const items = await collect(itemsFromNdjson(Readable.from(chunks), limits));
    expect(items).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, value: { b: 2 } },
      { index: 3, value: { c: 3 } },
    ]);
  });

  it('refuses a line longer than the limit, even when it arrives in pieces', async () => {
    const chunks = ['{"a":"', 'x'.repeat(40), 'y'.repeat(40), '"}\n'].map((c) => Buffer.from(c));
    await expect(collect(itemsFromNdjson(Readable.from(chunks), limits))).rejects.toThrow(
      'line 1 is longer than the limit of 64 bytes',
    );
  });

  it('refuses a body over the limit', async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.from('{"a":1}\n'));
    await expect(collect(itemsFromNdjson(Readable.from(chunks), { ...limits, maxBytes: 100 }))).rejects.toThrow(
      'larger than the limit of 100 bytes',
    );
  });
});

describe('itemsFromCsv', () => {
  it('maps columns by header name in any order and case', async () => {
    const csv = 'QTY,Store,sku,price,Currency,TIME,id\n2,s1,a,1.50,EUR,2026-11-29T10:00:00Z,e1\n';
    const [item] = await collect(itemsFromCsv(Readable.from([Buffer.from(csv)]), 'pos-1', limits));
    expect(item).toEqual({
      index: 0,
      value: {
        id: 'e1',
        type: 'shelfcast.sale.recorded.v1',
        source: 'pos-1',
        time: '2026-11-29T10:00:00Z',
        data: { storeId: 's1', sku: 'a', quantity: 2, unitPrice: '1.50', currency: 'EUR' },
      },
    });
  });

  it('reports a malformed CSV clearly', async () => {
    const csv = 'id,time,store,sku,qty,price,currency\n"e1,2026\n';
    await expect(collect(itemsFromCsv(Readable.from([Buffer.from(csv)]), 'pos-1', limits))).rejects.toThrow(
      'the CSV body cannot be read',
    );
  });
});
