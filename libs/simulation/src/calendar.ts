/**
 * Days of the simulated range: dates, weekdays, holiday factors and local-time offsets.
 */
import { addDays, dayOfYear, parseIsoDate } from '@shelfcast/ml';

import type { HolidaySpec } from './config';

/** A holiday on a concrete date of the range. */
export interface HolidayDate {
  name: string;
  date: string;
  uplift: number;
  rampDays: number;
}

function nthWeekdayOf(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    const day = 1 + ((weekday - first + 7) % 7) + 7 * (n - 1);
    return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
  }
  const lastDay = new Date(Date.UTC(year, month, 0));
  const back = (lastDay.getUTCDay() - weekday + 7) % 7;
  return new Date(Date.UTC(year, month - 1, lastDay.getUTCDate() - back - 7 * (-n - 1))).toISOString().slice(0, 10);
}

function isCalendarDate(date: string): boolean {
  try {
    parseIsoDate(date);
    return true;
  } catch {
    return false;
  }
}

/** The holidays' dates in the years touched by the range (and a year after, for ramps that start inside it). */
export function holidayDates(holidays: HolidaySpec[], startDate: string, days: number): HolidayDate[] {
  const first = Number(startDate.slice(0, 4));
  const last = Number(addDays(startDate, days - 1).slice(0, 4)) + 1;
  const out: HolidayDate[] = [];
  for (let y = first; y <= last; y++) {
    for (const h of holidays) {
      const rule = h.nthWeekday;
      const date = h.date ? `${y}-${h.date}` : rule ? nthWeekdayOf(y, rule.month, rule.weekday, rule.n) : undefined;
      if (date === undefined) continue;
      if (!isCalendarDate(date)) continue; // 29 February outside leap years
      out.push({ name: h.name, date, uplift: h.uplift, rampDays: h.rampDays });
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The holiday multiplier of every day: `uplift` on the day, a linear ramp from 1 towards it over
 * `rampDays` before; overlapping holidays multiply.
 */
export function holidayFactors(holidays: HolidayDate[], startDate: string, days: number): Float64Array {
  const f = new Float64Array(days).fill(1);
  const start = parseIsoDate(startDate);
  for (const h of holidays) {
    const at = Math.round((parseIsoDate(h.date) - start) / 86_400_000);
    for (let k = 0; k <= h.rampDays; k++) {
      const t = at - k;
      if (t < 0 || t >= days) continue;
      f[t] *= 1 + (h.uplift - 1) * (1 - k / (h.rampDays + 1));
    }
  }
  return f;
}

export interface DayInfo {
  index: number;
  date: string;
  /** 0 = Monday .. 6 = Sunday. */
  weekday: number;
  dayOfYear: number;
}

export function dayInfo(startDate: string, index: number): DayInfo {
  const date = addDays(startDate, index);
  const weekday = (new Date(parseIsoDate(date)).getUTCDay() + 6) % 7;
  return { index, date, weekday, dayOfYear: dayOfYear(date) };
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The UTC offset (`+01:00`, `-05:00`, `Z`) of a zone on a date, taken at 12:00 UTC (after any
 * night-time daylight-saving switch in the Americas and Europe).
 */
export function utcOffset(timeZone: string, date: string): string {
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, fmt);
  }
  const name = fmt.formatToParts(new Date(`${date}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-]\d{2}:\d{2})$/.exec(name);
  return m && m[1] !== '+00:00' ? m[1] : 'Z';
}
