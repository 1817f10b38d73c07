import { ApiError } from '@shelfcast/observability';
import type { z } from 'zod';

/** Where a value came from, named in error messages. */
export type Part = 'body' | 'query' | 'path';

/** The first string inside `value` holding a NUL character (PostgreSQL text and jsonb cannot store one). */
function findNul(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return [...path, k];
      const found = findNul(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Validates a request part: 400 `invalid_request` listing each problem with its dotted path. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, part: Part): z.infer<S> {
  if (part === 'body' && (value === undefined || value === null)) {
    throw new ApiError(400, 'invalid_request', 'a JSON body is required (content-type: application/json)', [
      { path: '', message: 'required' },
    ]);
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const first = details[0];
    throw new ApiError(
      400,
      'invalid_request',
      `invalid ${part}: ${first.path || '(root)'}: ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
      details,
    );
  }
  const nul = findNul(result.data, []);
  if (nul) {
    throw new ApiError(400, 'invalid_request', `invalid ${part}: ${nul.join('.')}: must not contain a NUL character`, [
      { path: nul.join('.'), message: 'must not contain a NUL character' },
    ]);
  }
  return result.data;
}
