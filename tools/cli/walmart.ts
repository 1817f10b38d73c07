/**
 * The Walmart "Store Sales Forecasting" data as Shelfcast events, for demos and benchmarks through
 * the real API. The data has no open licence: it stays where it is, callers pass its folder.
 *
 * Mapping: one store upserted per store (region = store Type, sizeSqft = Size), one product
 * upserted per department (sku `dept-<Dept>`), and one sale recorded per (Store, Dept, Date) row
 * carrying the week's dollars: quantity 1 at unitPrice = Weekly_Sales, or, when returns exceeded
 * sales (negative Weekly_Sales), quantity -1 at |Weekly_Sales| with returnReason `other`. Rows of
 * exactly 0 are skipped (no event can carry zero). Net dollars per store x department x week
 * (quantity x unitPrice) therefore equal Weekly_Sales to the cent.
 */
import type { ProductUpserted, SaleRecorded, StoreUpserted } from '@shelfcast/contracts';
import { loadWalmart, type WalmartDataset } from '@shelfcast/ml';

export interface WalmartImportOptions {
  /** Envelope source; must be the source of the API key. Default `walmart`. */
  source?: string;
  /** UTC offset of the event times (the date at 00:00). Default `-06:00` (US Central standard time). */
  utcOffset?: string;
  /** Only the first N (Store, Dept) series, sorted by store then department. */
  limitSeries?: number;
}

export type WalmartEvent = StoreUpserted | ProductUpserted | SaleRecorded;

export interface WalmartImport {
  /** Store and product master data first, then the sales week by week (store, department within a week). */
  events: () => Generator<WalmartEvent>;
  /** How many events `events()` yields. */
  total: number;
  stores: number;
  departments: number;
  series: number;
  /** Rows with Weekly_Sales 0, not sent. */
  skippedZero: number;
  /** Rows with negative Weekly_Sales, sent as returns. */
  returns: number;
}

export const WALMART_TIME_ZONE = 'America/Chicago';

export function walmartStoreId(store: number): string {
  return String(store);
}

export function walmartSku(dept: number): string {
  return `dept-${dept}`;
}

/** Dollars to whole cents (Weekly_Sales has at most 2 decimals). */
export function toCents(dollars: number): number {
  return Math.round(dollars * 100);
}

/** Whole cents as a decimal string without sign: 123456 -> "1234.56". */
export function centsToDecimal(cents: number): string {
  const a = Math.abs(cents);
  return `${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** The sale event of one train.csv row, or null for a row of exactly 0. */
export function walmartSaleEvent(
  row: { store: number; dept: number; date: string; weeklySales: number },
  options: WalmartImportOptions = {},
): SaleRecorded | null {
  const cents = toCents(row.weeklySales);
  if (cents === 0) return null;
  const storeId = walmartStoreId(row.store);
  const sku = walmartSku(row.dept);
  return {
    id: `walmart-${row.store}-${row.dept}-${row.date}`,
    type: 'shelfcast.sale.recorded.v1',
    source: options.source ?? 'walmart',
    time: `${row.date}T00:00:00${options.utcOffset ?? '-06:00'}`,
    data:
      cents > 0
        ? { storeId, sku, quantity: 1, unitPrice: centsToDecimal(cents), currency: 'USD', channel: 'store' }
        : {
            storeId,
            sku,
            quantity: -1,
            unitPrice: centsToDecimal(cents),
            currency: 'USD',
            returnReason: 'other',
            channel: 'store',
          },
  };
}

/** Plans the import of a loaded dataset: counts now, events lazily. */
export function walmartEvents(dataset: WalmartDataset, options: WalmartImportOptions = {}): WalmartImport {
  const source = options.source ?? 'walmart';
  const offset = options.utcOffset ?? '-06:00';
  const series = options.limitSeries === undefined ? dataset.series : dataset.series.slice(0, options.limitSeries);
  const stores = [...new Set(series.map((s) => s.store))].sort((a, b) => a - b);
  const depts = [...new Set(series.map((s) => s.dept))].sort((a, b) => a - b);
  for (const s of stores) {
    if (!dataset.stores.has(s)) throw new Error(`store ${s} is in train.csv.gz but not in stores.csv`);
  }
  let rows = 0;
  let skippedZero = 0;
  let returns = 0;
  for (const s of series) {
    for (const v of s.values) {
      if (Number.isNaN(v)) continue;
      const c = toCents(v);
      if (c === 0) skippedZero++;
      else rows++;
      if (c < 0) returns++;
    }
  }
  const first = `${dataset.dates[0]}T00:00:00${offset}`;

  function* events(): Generator<WalmartEvent> {
    for (const store of stores) {
      const info = dataset.stores.get(store);
      if (!info) continue; // checked above
      yield {
        id: `walmart-store-${store}`,
        type: 'shelfcast.store.upserted.v1',
        source,
        time: first,
        data: {
          storeId: walmartStoreId(store),
          name: `Walmart store ${store}`,
          region: info.type,
          timeZone: WALMART_TIME_ZONE,
          format: `type-${info.type}`,
          ...(info.size > 0 ? { sizeSqft: Math.round(info.size) } : {}),
        },
      };
    }
    for (const dept of depts) {
      yield {
        id: `walmart-dept-${dept}`,
        type: 'shelfcast.product.upserted.v1',
        source,
        time: first,
        data: {
          sku: walmartSku(dept),
          name: `Department ${dept}`,
          category: String(dept),
          department: String(dept),
          casePack: 1,
          leadTimeDays: 7,
        },
      };
    }
    for (let w = 0; w < dataset.dates.length; w++) {
      const date = dataset.dates[w];
      for (const s of series) {
        const v = s.values[w];
        if (Number.isNaN(v)) continue;
        const e = walmartSaleEvent(
          { store: s.store, dept: s.dept, date, weeklySales: v },
          { source, utcOffset: offset },
        );
        if (e) yield e;
      }
    }
  }

  return {
    events,
    total: stores.length + depts.length + rows,
    stores: stores.length,
    departments: depts.length,
    series: series.length,
    skippedZero,
    returns,
  };
}

export interface WalmartWeeklySeries {
  storeId: string;
  sku: string;
  store: number;
  dept: number;
  /** Net cents per week (`YYYY-MM-DD` Friday) for every week with a row, zero rows included. */
  cents: Map<string, number>;
}

export interface WalmartWeekly {
  dates: string[];
  series: WalmartWeeklySeries[];
}

/**
 * The weekly series as the file has them, in cents, keyed like the imported events (storeId,
 * sku): what a read-back of the imported data (net dollars per store x sku x week) must equal.
 */
export async function readWalmartWeekly(
  folder: string,
  options: { limitSeries?: number } = {},
): Promise<WalmartWeekly> {
  const dataset = await loadWalmart(folder);
  const series = options.limitSeries === undefined ? dataset.series : dataset.series.slice(0, options.limitSeries);
  return {
    dates: dataset.dates,
    series: series.map((s) => {
      const cents = new Map<string, number>();
      s.values.forEach((v, w) => {
        if (!Number.isNaN(v)) cents.set(dataset.dates[w], toCents(v));
      });
      return { storeId: walmartStoreId(s.store), sku: walmartSku(s.dept), store: s.store, dept: s.dept, cents };
    }),
  };
}

/** Loads the folder and plans its import. */
export async function loadWalmartImport(folder: string, options: WalmartImportOptions = {}): Promise<WalmartImport> {
  return walmartEvents(await loadWalmart(folder), options);
}
