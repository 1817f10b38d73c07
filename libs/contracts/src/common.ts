import { z } from 'zod';

/** Identifiers of stores and SKUs: what back ends use, kept to a safe alphabet (they go into keys). */
export const storeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');
export const sku = storeId;

/** Money as a decimal string ("12.34"): never a float that loses cents. */
export const decimal = z
  .string()
  .regex(/^-?\d{1,13}(\.\d{1,4})?$/, 'a decimal string such as "12.34" (at most 4 decimals)');
export const nonNegativeDecimal = decimal.refine((v) => !v.startsWith('-'), 'must not be negative');
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "USD"');

/** An instant with an explicit offset ("2026-11-29T10:00:00+01:00" or "...Z"); a local time is ambiguous. */
export const instant = z.iso.datetime({
  offset: true,
  message: 'an ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z',
});
/** A calendar date ("2026-11-29"). */
export const calendarDate = z.iso.date({ message: 'a calendar date YYYY-MM-DD' });

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as "Europe/Berlin"');

/** A finite JSON number: NaN and Infinity cannot be sent in JSON, and are refused when they arrive some other way. */
export const finite = z.number().finite();

/** Key of a store x SKU series: one series stays ordered in one partition. */
export function seriesKey(storeIdValue: string, skuValue: string): string {
  return `${storeIdValue}|${skuValue}`;
}
