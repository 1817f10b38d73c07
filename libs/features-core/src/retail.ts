/**
 * The platform's feature set over retail events: what the features service keeps online and the
 * training-set builder writes offline. Its definitions (and so its hash) follow the grid, the
 * measure and the holiday calendar it is given.
 */
import { holidayDates, type Frequency, type HolidayDefinition, type HolidayRule } from './calendar';
import { defineFeatureSet, type FeatureSet } from './feature-set';
import type { Measure } from './history';
import type { HolidaySpec } from './spec';

const US_HOLIDAYS: Array<{ name: string; rule: HolidayRule }> = [
  { name: 'new_year', rule: { date: '01-01' } },
  { name: 'memorial_day', rule: { month: 5, weekday: 1, n: -1 } },
  { name: 'independence_day', rule: { date: '07-04' } },
  { name: 'labor_day', rule: { month: 9, weekday: 1, n: 1 } },
  { name: 'thanksgiving', rule: { month: 11, weekday: 4, n: 4 } },
  { name: 'christmas', rule: { date: '12-25' } },
];

/**
 * Super Bowl Sunday: the last Sunday of January until 2003 (2002: February 3), the first Sunday of
 * February from 2004, the second from 2022 (the 17-game season).
 */
export function superBowlDates(from: number, to: number): string[] {
  const out: string[] = [];
  for (let y = from; y <= to; y++) {
    if (y === 2002) out.push('2002-02-03');
    else if (y < 2004) out.push(...holidayDates({ month: 1, weekday: 0, n: -1 }, y, y));
    else out.push(...holidayDates({ month: 2, weekday: 0, n: y >= 2022 ? 2 : 1 }, y, y));
  }
  return out;
}

/** The default holiday calendar (United States retail holidays, 1990-2060) for every region. */
export function defaultHolidays(): HolidaySpec {
  const defs: HolidayDefinition[] = US_HOLIDAYS.map((h) => ({ name: h.name, dates: holidayDates(h.rule, 1990, 2060) }));
  defs.splice(1, 0, { name: 'super_bowl', dates: superBowlDates(1990, 2060) });
  return { regions: { default: defs }, defaultRegion: 'default', maxDistanceDays: 60 };
}

export interface RetailFeatureSetOptions {
  frequency: Frequency;
  /** Grid origin (`YYYY-MM-DD`): weekly grids take their weekday from it. Default 2000-01-02 (a Sunday). */
  origin?: string;
  /** Weekly grids: label a week by its first or last day. Default 'end' (weeks Monday..Sunday with the default origin). */
  weekLabel?: 'start' | 'end';
  measure: Measure;
  /** Human version of the definitions; the hash is appended to the fingerprint. Default '1'. */
  version?: string;
  holidays?: HolidaySpec;
}

export const RETAIL_FEATURE_SET_NAME = 'retail';

/** The platform's retail feature set for a grid and measure. */
export function retailFeatureSet(options: RetailFeatureSetOptions): FeatureSet {
  return defineFeatureSet({
    name: RETAIL_FEATURE_SET_NAME,
    version: options.version ?? '1',
    target: options.measure,
    grid: {
      frequency: options.frequency,
      origin: options.origin ?? '2000-01-02',
      ...(options.frequency === 'weekly' ? { weekLabel: options.weekLabel ?? 'end' } : {}),
    },
    holidays: options.holidays ?? defaultHolidays(),
    categoricals: ['store', 'dept', 'category'],
    statics: ['store_size'],
  });
}
