import { z } from 'zod';

/** Where in a request something is wrong, and what. */
export const ErrorDetail = z.object({
  /** Index of the item in a batch, when the problem is one item's. */
  index: z.number().int().min(0).optional(),
  /** Dotted path inside the item or body, e.g. `data.quantity`; empty for the whole item. */
  path: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The body of every 4xx and 5xx answer, in every service. */
export const ErrorResponse = z.object({
  error: z.object({
    status: z.number().int(),
    /** Stable machine-readable code, e.g. `unsupported_media_type`, `payload_too_large`, `kafka_unavailable`. */
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;
