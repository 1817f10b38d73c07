/**
 * Period grids (daily, weekly, monthly) and holiday calendars, on UTC `YYYY-MM-DD` dates: pure
 * arithmetic, no time zones, so offline and online agree to the day.
 */

export type Frequency = 'daily' | 'weekly' | 'monthly';

const DAY_MS = 86_400_000;

/** A regular period grid: period 0 is `origin`; period p is p days, weeks or months later. */
export interface PeriodGrid {
  frequency: Frequency;
  /** Date of period 0 (`YYYY-MM-DD`); for monthly grids the month of this date. */
  origin: string;
  /**
   * Weekly grids only: whether the label date is the first day of the week it stands for ('start',
   * default) or the last ('end', e.g. Walmart's "week ending Friday").
   */
  weekLabel?: 'start' | 'end';
}

export function parseDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (formatDate(ms) !== date) throw new Error(`not a calendar date: ${date}`);
  return ms;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole UTC days since the epoch of a date in milliseconds. */
export function epochDay(ms: number): number {
  return Math.round(ms / DAY_MS);
}

/** First and last day (epoch days, inclusive) of a period and its label day. */
export interface PeriodSpan {
  label: number;
  first: number;
  last: number;
}

const originCache = new Map<string, number>();

function originMs(date: string): number {
  let ms = originCache.get(date);
  if (ms === undefined) {
    ms = parseDate(date);
    if (originCache.size > 64) originCache.clear();
    originCache.set(date, ms);
  }
  return ms;
}

export function periodSpan(grid: PeriodGrid, period: number): PeriodSpan {
  const origin = originMs(grid.origin);
  switch (grid.frequency) {
    case 'daily': {
      const d = epochDay(origin) + period;
      return { label: d, first: d, last: d };
    }
    case 'weekly': {
      const label = epochDay(origin) + 7 * period;
      return grid.weekLabel === 'end'
        ? { label, first: label - 6, last: label }
        : { label, first: label, last: label + 6 };
    }
    case 'monthly': {
      const o = new Date(origin);
      const y = o.getUTCFullYear();
      const m = o.getUTCMonth() + period;
      const first = epochDay(Date.UTC(y, m, 1));
      const last = epochDay(Date.UTC(y, m + 1, 1)) - 1;
      return { label: first, first, last };
    }
  }
}

/** Calendar fields of an epoch day. */
export interface DayFields {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  dayOfMonth: number;
  /** 1..366 */
  dayOfYear: number;
  /** 0 = Monday .. 6 = Sunday. */
  dayOfWeek: number;
  /** ISO 8601 week 1..53. */
  isoWeek: number;
}

export function dayFields(day: number): DayFields {
  const ms = day * DAY_MS;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = ms + (3 - dow) * DAY_MS;
  const isoYear = new Date(thursday).getUTCFullYear();
  const isoWeek = Math.floor((thursday - Date.UTC(isoYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return {
    year,
    month: d.getUTCMonth() + 1,
    dayOfMonth: d.getUTCDate(),
    dayOfYear: Math.round((ms - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
    dayOfWeek: dow,
    isoWeek,
  };
}

/** One holiday of a calendar: its name (becomes part of feature names) and its dates. */
export interface HolidayDefinition {
  name: string;
  /** Every occurrence, `YYYY-MM-DD`. Use `holidayDates` to expand a yearly rule. */
  dates: string[];
}

/** A yearly rule: a fixed `MM-DD`, or the n-th weekday (0 = Sunday) of a month, n = -1 the last. */
export type HolidayRule = { date: string } | { month: number; weekday: number; n: number };

/** Occurrences of a yearly rule in the years `from..to` (inclusive). */
export function holidayDates(rule: HolidayRule, from: number, to: number): string[] {
  const out: string[] = [];
  for (let y = from; y <= to; y++) {
    if ('date' in rule) {
      out.push(`${y}-${rule.date}`);
      continue;
    }
    const m = rule.month - 1;
    if (rule.n > 0) {
      const first = new Date(Date.UTC(y, m, 1)).getUTCDay();
      const day = 1 + ((rule.weekday - first + 7) % 7) + 7 * (rule.n - 1);
      out.push(formatDate(Date.UTC(y, m, day)));
    } else {
      const lastDay = new Date(Date.UTC(y, m + 1, 0));
      const back = (lastDay.getUTCDay() - rule.weekday + 7) % 7;
      out.push(formatDate(Date.UTC(y, m, lastDay.getUTCDate() - back)));
    }
  }
  return out;
}

/** Sorted epoch days per holiday name; built once per feature set. */
export class HolidayIndex {
  private readonly days = new Map<string, Int32Array>();

  constructor(definitions: readonly HolidayDefinition[]) {
    for (const h of definitions) {
      const days = Int32Array.from(h.dates.map((d) => epochDay(parseDate(d)))).sort();
      this.days.set(h.name, days);
    }
  }

  has(name: string): boolean {
    return this.days.has(name);
  }

  /** Days from `day` to the next occurrence on or after it; NaN when none is known. */
  daysTo(name: string, day: number): number {
    const d = this.days.get(name);
    if (!d) return NaN;
    const i = lowerBound(d, day);
    return i < d.length ? d[i] - day : NaN;
  }

  /** Days from the last occurrence on or before `day` to `day`; NaN when none is known. */
  daysSince(name: string, day: number): number {
    const d = this.days.get(name);
    if (!d) return NaN;
    const i = lowerBound(d, day + 1) - 1;
    return i >= 0 ? day - d[i] : NaN;
  }

  /** Occurrences within [first, last]. */
  countIn(name: string, first: number, last: number): number {
    const d = this.days.get(name);
    if (!d) return 0;
    return lowerBound(d, last + 1) - lowerBound(d, first);
  }
}

function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
