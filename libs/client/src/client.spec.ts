import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  parseRetryAfter,
  ShelfcastClient,
  ShelfcastClientError,
  type RetailEventInput,
  type SendProgress,
} from './index';

interface Seen {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

type Handler = (req: Seen, res: ServerResponse, n: number) => void;

/** A tiny ingestion stand-in: records every request and answers with the test's handler. */
async function startServer(handler: Handler): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(s);
      handler(s, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Accepts everything except items whose quantity is 13 (rejected with their in-batch index). */
function acceptAll(items: Array<{ data: { quantity?: number } }>) {
  const rejected = items.flatMap((e, index) =>
    e.data.quantity === 13 ? [{ index, path: 'data.quantity', message: 'unlucky' }] : [],
  );
  const accepted = items.length - rejected.length;
  return { accepted, published: accepted, duplicates: 0, rejected };
}

function sale(i: number): RetailEventInput {
  return {
    id: `e-${i}`,
    type: 'shelfcast.sale.recorded.v1',
    source: 'test',
    time: '2024-01-01T20:00:00-06:00',
    data: { storeId: 'S1', sku: 'A', quantity: i % 100 === 13 ? 13 : 1, unitPrice: '1.00', currency: 'USD' },
  };
}

const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe('ShelfcastClient', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('batches events into JSON arrays, sends the key, adds up totals and maps rejections to stream indices', async () => {
    server = await startServer((req, res) => json(res, 202, acceptAll(JSON.parse(req.body))));
    const progress: SendProgress[] = [];
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k-123', batchSize: 500 });
    async function* events() {
      for (let i = 0; i < 1201; i++) yield sale(i);
    }
    const result = await client.send(events(), { onProgress: (p) => progress.push(p) });

    expect(server.seen.map((s) => JSON.parse(s.body).length)).toEqual([500, 500, 201]);
    expect(server.seen[0].authorization).toBe('Bearer k-123');
    expect(server.seen[0].contentType).toBe('application/json');
    expect(JSON.parse(server.seen[2].body)[0].id).toBe('e-1000');
    // quantity 13 at i = 13, 113, ..., 1113: in-batch indices in the answers, global ones here.
    expect(result.rejected.map((r) => r.index)).toEqual(Array.from({ length: 12 }, (_, k) => 13 + 100 * k));
    expect(result.rejected[11]).toEqual({ index: 1113, path: 'data.quantity', message: 'unlucky' });
    expect(result).toMatchObject({ accepted: 1189, published: 1189, duplicates: 0, items: 1201, requests: 3 });
    expect(progress.map((p) => p.items)).toEqual([500, 1000, 1201]);
  });

  it('retries after 503 honouring Retry-After, and after a dropped connection', async () => {
    server = await startServer((req, res, n) => {
      if (n === 1)
        return json(
          res,
          503,
          { error: { status: 503, code: 'kafka_unavailable', message: 'down' } },
          { 'retry-after': '1' },
        );
      if (n === 2) return res.socket?.destroy();
      json(res, 202, acceptAll(JSON.parse(req.body)));
    });
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', ...fast });
    const t0 = Date.now();
    const result = await client.send([sale(1), sale(2)]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(server.seen).toHaveLength(3);
    expect(server.seen[2].body).toBe(server.seen[0].body);
    expect(result).toMatchObject({ accepted: 2, retries: 2, requests: 1 });
  });

  it('retries 429 with backoff and gives up after maxRetries with the totals so far', async () => {
    server = await startServer((req, res, n) =>
      n === 1
        ? json(res, 202, acceptAll(JSON.parse(req.body)))
        : json(res, 429, { error: { status: 429, code: 'rate_limited', message: 'slow down' } }),
    );
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', batchSize: 2, maxRetries: 2, ...fast });
    const error = await client.send([sale(1), sale(2), sale(3)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShelfcastClientError);
    const e = error as ShelfcastClientError;
    expect(e.status).toBe(429);
    expect(e.code).toBe('rate_limited');
    expect(e.batchStart).toBe(2);
    expect(e.partial).toMatchObject({ accepted: 2, retries: 2 });
    expect(server.seen).toHaveLength(4); // 1 + first try + 2 retries
  });

  it('never retries a 400: the batch is reported as rejected and sending goes on', async () => {
    server = await startServer((req, res, n) =>
      n === 1
        ? json(res, 400, {
            error: {
              status: 400,
              code: 'invalid_body',
              message: 'bad items',
              details: [{ index: 1, path: 'data.quantity', message: 'must not be zero' }],
            },
          })
        : json(res, 202, acceptAll(JSON.parse(req.body))),
    );
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', batchSize: 2, ...fast });
    const result = await client.send([sale(1), sale(2), sale(3)]);
    expect(server.seen).toHaveLength(2);
    expect(result.retries).toBe(0);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 0, path: '', message: 'request refused (invalid_body: bad items)' },
      { index: 1, path: 'data.quantity', message: 'must not be zero' },
    ]);
  });

  it('stops at once on 401 without retrying', async () => {
    server = await startServer((_req, res) =>
      json(res, 401, { error: { status: 401, code: 'unauthorized', message: 'unknown key' } }),
    );
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'bad', ...fast });
    await expect(client.send([sale(1)])).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(server.seen).toHaveLength(1);
  });

  it('halves a batch the service finds too large', async () => {
    server = await startServer((req, res) => {
      const items = JSON.parse(req.body);
      if (items.length > 2)
        return json(res, 413, { error: { status: 413, code: 'payload_too_large', message: 'too big' } });
      json(res, 202, acceptAll(items));
    });
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', batchSize: 5 });
    const events = [1, 2, 3, 13, 5].map((i) => sale(i));
    const result = await client.send(events);
    expect(server.seen.map((s) => JSON.parse(s.body).length)).toEqual([5, 3, 2, 1, 2]);
    expect(result.accepted).toBe(4);
    expect(result.rejected.map((r) => r.index)).toEqual([3]);
  });

  it('streams NDJSON in batches of lines across chunk boundaries; rejections by line number', async () => {
    server = await startServer((req, res) =>
      json(
        res,
        202,
        acceptAll(
          req.body
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        ),
      ),
    );
    const lines = [0, 1, 2, 13, 4].map((i) => JSON.stringify(sale(i)));
    const text = `${lines[0]}\r\n${lines[1]}\n\n${lines[2]}\n${lines[3]}\n${lines[4]}`;
    const chunks = [Buffer.from(text.slice(0, 7)), Buffer.from(text.slice(7, 400)), Buffer.from(text.slice(400))];
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', batchSize: 2 });
    const result = await client.sendNdjson(chunks);
    expect(server.seen.map((s) => s.contentType)).toEqual(Array(3).fill('application/x-ndjson'));
    expect(server.seen.map((s) => s.body.trim().split('\n').length)).toEqual([2, 2, 1]);
    expect(result.items).toBe(5);
    // Indices are line numbers, as the service counts them in one body: the blank line counts.
    expect(result.rejected.map((r) => r.index)).toEqual([4]);
  });

  it('sends CSV with the header in every batch, a quoted newline kept inside its row', async () => {
    server = await startServer((req, res) => {
      const rows = req.body.trim().split('\n').slice(1);
      const rejected = rows.flatMap((r, index) =>
        r.includes(',13,') ? [{ index, path: 'quantity', message: 'no' }] : [],
      );
      json(res, 202, { accepted: rows.length - rejected.length, published: 0, duplicates: 0, rejected });
    });
    const csv = [
      'id,time,store,sku,qty,price,currency,transaction_id',
      'a,2024-01-01T10:00:00Z,S1,A,1,1.00,USD,"x',
      'y"',
      'b,2024-01-01T10:00:00Z,S1,A,2,1.00,USD,t',
      'c,2024-01-01T10:00:00Z,S1,A,13,1.00,USD,t',
      '',
    ].join('\n');
    const client = new ShelfcastClient({ baseUrl: server.url, apiKey: 'k', batchSize: 2 });
    const result = await client.sendCsv(csv);
    expect(server.seen.map((s) => s.contentType)).toEqual(['text/csv', 'text/csv']);
    expect(server.seen[0].body).toBe(`${csv.split('\n')[0]}\n${csv.split('\n').slice(1, 4).join('\n')}\n`);
    expect(server.seen[1].body.split('\n')[0]).toBe('id,time,store,sku,qty,price,currency,transaction_id');
    expect(result.items).toBe(3);
    expect(result.rejected).toEqual([{ index: 2, path: 'quantity', message: 'no' }]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
