import { z } from 'zod';

import { instant } from './common';

/** Names a producer of events: a retail back end, or one of our services. Bound to an API key at ingestion. */
export const sourceName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._/-]*$/, 'lower-case letters, digits and . _ / - only');

export const eventId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/**
 * The envelope, in the spirit of CloudEvents: `source` + `id` identify an event uniquely,
 * `time` is when it happened at the source (event time), `data` is the typed payload.
 */
export function envelope<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({
    specversion: z.literal('1.0').optional(),
    id: eventId,
    type: z.literal(type),
    source: sourceName,
    time: instant,
    subject: z.string().max(256).optional(),
    data,
  });
}

export type Envelope<T extends string = string, D = unknown> = {
  specversion?: '1.0';
  id: string;
  type: T;
  source: string;
  time: string;
  subject?: string;
  data: D;
};
