import { z } from 'zod';

import { ApiError } from './errors';
import { findUnstorable, parseRequest } from './request';

const Body = z.object({
  name: z.string(),
  tags: z.record(z.string(), z.string()).optional(),
  items: z.array(z.object({ sku: z.string() })).optional(),
  from: z.iso.date().optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

function refusal(value: unknown, part: 'body' | 'query' | 'path' = 'body'): ApiError {
  try {
    parseRequest(Body, value, part);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a 400');
}

describe('parseRequest', () => {
  it('returns the parsed value, emoji and other valid surrogate pairs included', () => {
    expect(parseRequest(Body, { name: 'pâte 🍝', from: '2024-02-29' }, 'body')).toEqual({
      name: 'pâte 🍝',
      from: '2024-02-29',
    });
  });

  it('answers 400 naming each schema problem by path', () => {
    const e = refusal({ name: 3, items: [{ sku: 1 }] });
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_request');
    expect(e.details?.map((d) => d.path)).toEqual(['name', 'items.0.sku']);
    expect(e.message).toMatch(/^invalid body: name: .*; items\.0\.sku: /);
    expect(refusal(undefined).message).toContain('a JSON body is required');
  });

  it('refuses what PostgreSQL cannot store: NUL, lone surrogates, year 0000 — in values and keys, at any depth', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: 'a\u0000b' }, 'name', /NUL/],
      [{ name: 'ok', items: [{ sku: 'x' }, { sku: 'y\uD800' }] }, 'items.1.sku', /lone surrogate/],
      [{ name: 'ok', tags: { ['k\u0000']: 'v' } }, 'tags.k\u0000', /key must not contain a NUL/],
      [{ name: '\uDC00 low first' }, 'name', /lone surrogate/],
      [{ name: 'ok', from: '0000-01-01' }, 'from', /year 0000/],
      [{ name: 'ok', at: '0000-12-31T23:00:00Z' }, 'at', /year 0000/],
    ];
    for (const [value, path, message] of cases) {
      const e = refusal(value, 'query');
      expect(e.status).toBe(400);
      expect(e.details).toEqual([{ path, message: expect.stringMatching(message) }]);
      expect(e.message).toContain(`invalid query: ${path}`);
    }
  });

  it('finds nothing in ordinary data (a year 0000 inside prose is prose)', () => {
    expect(findUnstorable({ a: ['x', 1, null, { b: 'since 0000-01-01 nothing' }] })).toBeUndefined();
    expect(findUnstorable('\uD83D\uDE00')).toBeUndefined();
  });
});
