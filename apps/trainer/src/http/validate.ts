import { ApiError } from '@shelfcast/observability';
import type { z } from 'zod';

/** Parses a request part, or answers 400 naming each offending field (`spec.horizon`, `query.limit`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.infer<S> {
  const result = schema.safeParse(value ?? (where === 'query' ? {} : undefined));
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const summary = details
    .slice(0, 5)
    .map((d) => `${d.path || where}: ${d.message}`)
    .join('; ');
  throw new ApiError(400, 'invalid_request', `invalid ${where}: ${summary}`, details);
}
