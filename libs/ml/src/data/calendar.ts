/**
 * Calendar helpers on plain `YYYY-MM-DD` strings, all in UTC (no time-zone surprises).
 */

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of a `YYYY-MM-DD` date at 00:00 UTC. */
export function parseIsoDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (formatIsoDate(ms) !== date) throw new Error(`not a calendar date: ${date}`);
  return ms;
}

export function formatIsoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` plus `days` days. */
export function addDays(date: string, days: number): string {
  return formatIsoDate(parseIsoDate(date) + days * DAY_MS);
}

/** First day of the month `months` calendar months after the month of `date`. */
export function addMonths(date: string, months: number): string {
  const d = new Date(parseIsoDate(date));
  return formatIsoDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseIsoDate(to) - parseIsoDate(from)) / DAY_MS);
}

/** Day of the year, 1 for 1 January. */
export function dayOfYear(date: string): number {
  const ms = parseIsoDate(date);
  return Math.round((ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** ISO 8601 week (1..53) and its week-based year: weeks start on Monday, week 1 holds 4 January. */
export function isoWeek(date: string): { year: number; week: number } {
  const ms = parseIsoDate(date);
  const dow = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = ms + (3 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { year, week };
}

/**
 * Week of the year counted from 1 January in blocks of seven days: `floor((dayOfYear - 1) / 7) + 1`
 * (1..53; R lubridate's `week()`).
 */
export function simpleWeekOfYear(date: string): number {
  return Math.floor((dayOfYear(date) - 1) / 7) + 1;
}
