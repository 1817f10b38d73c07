/**
 * Which series a run trains on: the spec's filter (store ids, SKUs, categories, departments) over
 * the series the feature store knows at the cutoff. Within a field any listed value matches; the
 * fields combine with AND; an absent field matches everything.
 */
import { EVENT_TYPES, refKey, type SeriesRef } from '@shelfcast/feature-store';
import type { JobData } from '@shelfcast/queue';
import type { Pool } from 'pg';

import { InvalidSpecError } from './errors';

export type SeriesFilter = JobData<'train'>['seriesFilter'];

export interface SeriesInfo extends SeriesRef {
  /** From the latest product record known at the cutoff; null without one. */
  category: string | null;
  department: string | null;
}

const FIELDS = ['storeIds', 'skus', 'categories', 'departments'] as const;

/** An empty list would select nothing: refused, with the way to say "every". */
export function checkSeriesFilter(filter: SeriesFilter): void {
  for (const f of FIELDS) {
    const list = filter[f];
    if (list && list.length === 0)
      throw new InvalidSpecError(
        `seriesFilter.${f} is an empty list and would select no series; omit it to take every value`,
      );
  }
}

/** Code-unit order of the series keys (what PostgreSQL's COLLATE "C" gives). */
export function compareRefs(a: SeriesRef, b: SeriesRef): number {
  const ka = refKey(a);
  const kb = refKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The series matching the filter, in key order. */
export function selectSeries<T extends SeriesInfo>(all: readonly T[], filter: SeriesFilter): T[] {
  checkSeriesFilter(filter);
  const sets = {
    storeIds: filter.storeIds && new Set(filter.storeIds),
    skus: filter.skus && new Set(filter.skus),
    categories: filter.categories && new Set(filter.categories),
    departments: filter.departments && new Set(filter.departments),
  };
  return all
    .filter(
      (s) =>
        (!sets.storeIds || sets.storeIds.has(s.storeId)) &&
        (!sets.skus || sets.skus.has(s.sku)) &&
        (!sets.categories || (s.category !== null && sets.categories.has(s.category))) &&
        (!sets.departments || (s.department !== null && sets.departments.has(s.department))),
    )
    .sort(compareRefs);
}

/** Whether the filter restricts anything (an unrestricted run reads every series without a key list). */
export function isUnrestricted(filter: SeriesFilter): boolean {
  return FIELDS.every((f) => filter[f] === undefined);
}

export function describeFilter(filter: SeriesFilter): string {
  const parts = FIELDS.filter((f) => filter[f] !== undefined).map((f) => `${f}=[${(filter[f] ?? []).join(', ')}]`);
  return parts.length > 0 ? parts.join(' ') : 'every series';
}

/**
 * Series with a sale or inventory event on or before `cutoff`, with the category and department of
 * their product's latest record dated by the cutoff and arrived by `knownAt` (null: any arrival).
 */
export async function loadSeriesCatalog(pool: Pool, cutoff: string, knownAt: Date | null): Promise<SeriesInfo[]> {
  const known = knownAt ? knownAt.toISOString() : null;
  const [series, products] = await Promise.all([
    pool.query<{ store_id: string; sku: string }>(
      `SELECT store_id, sku FROM series WHERE first_day <= $1::date ORDER BY store_id COLLATE "C", sku COLLATE "C"`,
      [cutoff],
    ),
    pool.query<{ sku: string; category: string | null; department: string | null }>(
      `SELECT DISTINCT ON (sku) sku, data->>'category' AS category, data->>'department' AS department
       FROM retail_events
       WHERE type = $1 AND business_date <= $2::date AND ($3::timestamptz IS NULL OR arrived_at <= $3::timestamptz)
       ORDER BY sku, event_time DESC, source DESC, id DESC`,
      [EVENT_TYPES.product, cutoff, known],
    ),
  ]);
  const bySku = new Map(products.rows.map((p) => [p.sku, p]));
  return series.rows.map((r) => {
    const p = bySku.get(r.sku);
    return { storeId: r.store_id, sku: r.sku, category: p?.category ?? null, department: p?.department ?? null };
  });
}
