/**
 * Request validation for every HTTP service: a request part (body, query, path) through its zod
 * schema, then a scan for what the schema lets through but PostgreSQL cannot store or read (a NUL
 * character, a lone UTF-16 surrogate, the year 0000), so that such input is a 400 naming the field,
 * never a 500 from the database.
 */
import type { z } from 'zod';

import { ApiError } from './errors';

/** Where a value came from, named in error messages. */
export type RequestPart = 'body' | 'query' | 'path';

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A date or date-time in the year 0000 (ISO 8601 allows it; PostgreSQL has no year 0). */
const YEAR_ZERO = /^[+-]?0000-\d{2}-\d{2}(?:[T ].*)?$/;

/** Why PostgreSQL could not hold this string, or null. */
function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (it holds a lone surrogate)';
  if (YEAR_ZERO.test(s)) return 'year 0000 is out of range (the earliest year is 0001)';
  return null;
}

/** The first string (value or key) inside `value` PostgreSQL could not hold, with its path and why. */
export function findUnstorable(value: unknown, path: string[] = []): { path: string[]; message: string } | undefined {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message ? { path, message } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = unstorable(k);
      if (key) return { path: [...path, k], message: `key ${key}` };
      const found = findUnstorable(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Validates a request part: 400 `invalid_request` listing each problem with its dotted path (the
 * message names the first five). A body part must be present.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.infer<S> {
  if (part === 'body' && (value === undefined || value === null)) {
    throw new ApiError(400, 'invalid_request', 'a JSON body is required (content-type: application/json)', [
      { path: '', message: 'required' },
    ]);
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const summary = details
      .slice(0, 5)
      .map((d) => `${d.path || '(root)'}: ${d.message}`)
      .join('; ');
    const more = details.length > 5 ? ` (and ${details.length - 5} more)` : '';
    throw new ApiError(400, 'invalid_request', `invalid ${part}: ${summary}${more}`, details);
  }
  const bad = findUnstorable(result.data);
  if (bad) {
    const path = bad.path.join('.');
    throw new ApiError(400, 'invalid_request', `invalid ${part}: ${path || '(root)'}: ${bad.message}`, [
      { path, message: bad.message },
    ]);
  }
  return result.data;
}
