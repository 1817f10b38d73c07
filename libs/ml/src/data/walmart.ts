/**
 * Loader for the Walmart "Store Sales Forecasting" data (train.csv.gz, features.csv, stores.csv).
 *
 * The data has no open licence: it is never copied into the repository, callers pass the folder.
 * Sales are aligned per (Store, Dept) on the weekly grid of Fridays from 2010-02-05 (143 weeks to
 * 2012-10-26); a week without a row is `NaN`. Store covariates (features.csv) sit on a longer grid
 * with the same origin (to 2013-07-26), so index `i` is the same Friday in both.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

import { addDays, daysBetween, parseIsoDate } from './calendar';

export const WALMART_FIRST_WEEK = '2010-02-05';

export const WALMART_COVARIATES = [
  'Temperature',
  'Fuel_Price',
  'MarkDown1',
  'MarkDown2',
  'MarkDown3',
  'MarkDown4',
  'MarkDown5',
  'CPI',
  'Unemployment',
] as const;
export type WalmartCovariate = (typeof WALMART_COVARIATES)[number];

export interface WalmartStore {
  store: number;
  type: string;
  size: number;
}

export interface WalmartSeries {
  /** `"<store>-<dept>"`. */
  id: string;
  store: number;
  dept: number;
  /** Weekly sales on the sales grid (`dataset.dates`); `NaN` where the week has no row. */
  values: Float64Array;
  /** Number of weeks with a row. */
  observed: number;
}

export interface StoreCovariates {
  /** One array per covariate on the covariate grid (`dataset.covariateDates`); `NaN` for `NA`. */
  values: Record<WalmartCovariate, Float64Array>;
}

export interface WalmartDataset {
  /** The Fridays of the sales grid, `YYYY-MM-DD`, one week apart. */
  dates: string[];
  /** 1 where the week is a holiday week (Super Bowl, Labor Day, Thanksgiving, Christmas). */
  isHoliday: Uint8Array;
  /** Series sorted by store then department. */
  series: WalmartSeries[];
  stores: Map<number, WalmartStore>;
  /** Fridays of the covariate grid: same origin as `dates`, longer (features run into 2013). */
  covariateDates: string[];
  /** Holiday flags on the covariate grid. */
  covariateIsHoliday: Uint8Array;
  covariates: Map<number, StoreCovariates>;
  /** Rows read from train.csv.gz. */
  rows: number;
}

function weekIndex(date: string, origin: string): number {
  const days = daysBetween(origin, date);
  if (days % 7 !== 0) throw new Error(`${date} is not on the weekly grid of ${origin}`);
  return days / 7;
}

function parseBool(s: string): boolean {
  if (s === 'TRUE' || s === 'True' || s === 'true') return true;
  if (s === 'FALSE' || s === 'False' || s === 'false') return false;
  throw new Error(`not a boolean: ${s}`);
}

function parseNumberOrNaN(s: string): number {
  if (s === 'NA' || s === '') return NaN;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error(`not a number: ${s}`);
  return v;
}

function headerIndex<K extends string>(header: string, wanted: readonly K[]): Record<K, number> {
  const cols = header.trim().split(',');
  const out = {} as Record<K, number>;
  for (const w of wanted) {
    const i = cols.indexOf(w);
    if (i < 0) throw new Error(`missing column ${w} in header ${header}`);
    out[w] = i;
  }
  return out;
}

/** Reads `train.csv.gz` (or `train.csv`) line by line through a gunzip stream. */
async function* trainLines(folder: string): AsyncGenerator<string> {
  const gz = join(folder, 'train.csv.gz');
  const plain = join(folder, 'train.csv');
  const input = existsSync(gz) ? createReadStream(gz).pipe(createGunzip()) : createReadStream(plain);
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

interface RawRow {
  store: number;
  dept: number;
  week: number;
  sales: number;
}

/** Loads the Walmart folder. Throws on duplicate (Store, Dept, Date) rows or off-grid dates. */
export async function loadWalmart(folder: string): Promise<WalmartDataset> {
  const rows: RawRow[] = [];
  const holidayByWeek = new Map<number, boolean>();
  const weekCache = new Map<string, number>();
  let cols: { store: number; dept: number; date: number; sales: number; holiday: number } | undefined;
  let maxWeek = -1;
  for await (const line of trainLines(folder)) {
    if (!cols) {
      const idx = headerIndex(line, ['Store', 'Dept', 'Date', 'Weekly_Sales', 'IsHoliday']);
      cols = {
        store: idx.Store,
        dept: idx.Dept,
        date: idx.Date,
        sales: idx.Weekly_Sales,
        holiday: idx.IsHoliday,
      };
      continue;
    }
    if (line.length === 0) continue;
    const f = line.split(',');
    const date = f[cols.date];
    let week = weekCache.get(date);
    if (week === undefined) {
      week = weekIndex(date, WALMART_FIRST_WEEK);
      if (week < 0) throw new Error(`date before ${WALMART_FIRST_WEEK}: ${line}`);
      weekCache.set(date, week);
    }
    const holiday = parseBool(f[cols.holiday]);
    const seen = holidayByWeek.get(week);
    if (seen !== undefined && seen !== holiday) throw new Error(`inconsistent IsHoliday in week ${date}`);
    holidayByWeek.set(week, holiday);
    const sales = Number(f[cols.sales]);
    if (!Number.isFinite(sales)) throw new Error(`Weekly_Sales is not a number: ${line}`);
    rows.push({ store: Number(f[cols.store]), dept: Number(f[cols.dept]), week, sales });
    if (week > maxWeek) maxWeek = week;
  }
  if (!cols) throw new Error(`no header in ${folder}/train.csv.gz`);
  const nWeeks = maxWeek + 1;
  const dates = Array.from({ length: nWeeks }, (_, i) => addDays(WALMART_FIRST_WEEK, 7 * i));
  const isHoliday = new Uint8Array(nWeeks);
  for (const [w, h] of holidayByWeek) isHoliday[w] = h ? 1 : 0;

  const byKey = new Map<string, WalmartSeries>();
  for (const r of rows) {
    const id = `${r.store}-${r.dept}`;
    let s = byKey.get(id);
    if (!s) {
      s = { id, store: r.store, dept: r.dept, values: new Float64Array(nWeeks).fill(NaN), observed: 0 };
      byKey.set(id, s);
    }
    if (!Number.isNaN(s.values[r.week])) throw new Error(`duplicate row for ${id} week ${dates[r.week]}`);
    s.values[r.week] = r.sales;
    s.observed++;
  }
  const series = [...byKey.values()].sort((a, b) => a.store - b.store || a.dept - b.dept);

  const stores = new Map<number, WalmartStore>();
  const storesCsv = readFileSync(join(folder, 'stores.csv'), 'utf8').split(/\r?\n/);
  const sIdx = headerIndex(storesCsv[0], ['Store', 'Type', 'Size']);
  for (const line of storesCsv.slice(1)) {
    if (!line) continue;
    const f = line.split(',');
    const store = Number(f[sIdx.Store]);
    stores.set(store, { store, type: f[sIdx.Type], size: Number(f[sIdx.Size]) });
  }

  const featCsv = readFileSync(join(folder, 'features.csv'), 'utf8').split(/\r?\n/);
  const fIdx = headerIndex(featCsv[0], ['Store', 'Date', 'IsHoliday', ...WALMART_COVARIATES]);
  let lastFeatureMs = parseIsoDate(dates[nWeeks - 1]);
  const featRows = featCsv
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
  for (const f of featRows) lastFeatureMs = Math.max(lastFeatureMs, parseIsoDate(f[fIdx.Date]));
  const nCov = weekIndex(new Date(lastFeatureMs).toISOString().slice(0, 10), WALMART_FIRST_WEEK) + 1;
  const covariateDates = Array.from({ length: nCov }, (_, i) => addDays(WALMART_FIRST_WEEK, 7 * i));
  const covariateIsHoliday = new Uint8Array(nCov);
  const covariates = new Map<number, StoreCovariates>();
  for (const f of featRows) {
    const store = Number(f[fIdx.Store]);
    const week = weekIndex(f[fIdx.Date], WALMART_FIRST_WEEK);
    let c = covariates.get(store);
    if (!c) {
      const values = {} as Record<WalmartCovariate, Float64Array>;
      for (const name of WALMART_COVARIATES) values[name] = new Float64Array(nCov).fill(NaN);
      c = { values };
      covariates.set(store, c);
    }
    for (const name of WALMART_COVARIATES) c.values[name][week] = parseNumberOrNaN(f[fIdx[name]]);
    if (parseBool(f[fIdx.IsHoliday])) covariateIsHoliday[week] = 1;
  }

  return { dates, isHoliday, series, stores, covariateDates, covariateIsHoliday, covariates, rows: rows.length };
}
