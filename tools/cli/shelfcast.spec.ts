import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RetailEvent } from '@shelfcast/contracts';
import { TRUTH_CSV_HEADER } from '@shelfcast/simulation';

import { main } from './shelfcast';

describe('shelfcast CLI', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const bodies: unknown[][] = [];
  let stderr: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shelfcast-cli-'));
    // Accepts every line, rejects sale events of store S002.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const items = body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; data: { storeId?: string } });
        bodies.push(items);
        const rejected = items.flatMap((e, index) =>
          process.env.REJECT_S002 && e.data.storeId === 'S002'
            ? [{ index, path: 'data.storeId', message: 'closed' }]
            : [],
        );
        res.writeHead(202, { 'content-type': 'application/json' });
        const accepted = items.length - rejected.length;
        res.end(JSON.stringify({ accepted, published: accepted, duplicates: 0, rejected }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    stderr = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      stderr.push(String(s));
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('generates events.ndjson and truth.csv, then sends the file through the client', async () => {
    const out = join(dir, 'gen');
    expect(await main(['generate', '--stores', '2', '--skus', '3', '--days', '20', '--seed', '4', '--out', out])).toBe(
      0,
    );
    const lines = readFileSync(join(out, 'events.ndjson'), 'utf8').trim().split('\n');
    for (const l of lines) expect(RetailEvent.safeParse(JSON.parse(l)).success).toBe(true);
    const truth = readFileSync(join(out, 'truth.csv'), 'utf8').trim().split('\n');
    expect(truth[0]).toBe(TRUTH_CSV_HEADER);
    expect(truth).toHaveLength(1 + 2 * 3 * 20);

    const code = await main(['send', join(out, 'events.ndjson'), '--url', url, '--key', 'k', '--batch-size', '50']);
    expect(code).toBe(0);
    expect(bodies.flat()).toHaveLength(lines.length);
    expect(bodies[0]).toHaveLength(50);
    expect(stderr.join('')).toContain(`items ${lines.length}, accepted ${lines.length}`);

    process.env.REJECT_S002 = '1';
    try {
      const rejections = join(dir, 'rejected.ndjson');
      const again = await main([
        'send',
        join(out, 'events.ndjson'),
        '--url',
        url,
        '--key',
        'k',
        '--rejections',
        rejections,
      ]);
      expect(again).toBe(2);
      const rejected = readFileSync(rejections, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { index: number });
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect(lines[r.index]).toContain('"storeId":"S002"');
    } finally {
      delete process.env.REJECT_S002;
    }
  });

  it('explains its usage on bad arguments', async () => {
    expect(await main(['send'])).toBe(1);
    expect(await main(['generate', '--stores', 'many', '--out', dir])).toBe(1);
    expect(await main(['frobnicate'])).toBe(1);
    expect(stderr.join('')).toContain('Usage:');
  });
});
