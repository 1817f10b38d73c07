/**
 * From what the platform records about a series (daily measures, price changes, promotions,
 * product and store master data) to the `SeriesData` a feature set reads, at an anchor period.
 *
 * The online store (refreshing vectors from the aggregates) and the offline training-set builder
 * (rebuilding them from raw events known at a cutoff) both pass their records through this one
 * function with the same history window, so the two cannot disagree about a feature.
 *
 * Rules, all on local business days (the calendar date of an event as its source wrote it):
 * - a period's value is the sum of the measure over its days; days without events are 0 from the
 *   series' first day on, NaN before it (the series did not exist yet);
 * - a day is out of stock when its lowest inventory snapshot was 0 and it sold nothing; the state
 *   carries forward to the following days until a snapshot with stock or a sale (within the
 *   window). A period with an out-of-stock day is censored: its demand is unknown, never zero;
 * - the price of a day is the latest price change effective on or before it (ties: later event
 *   time, then id); a period's price is the mean over its days that have one; observed periods
 *   without any price change fall back to the average selling price;
 * - a period is on promotion when any of its days is inside a scheduled promotion.
 */
import { parseDate, epochDay, periodSpan, type PeriodGrid } from './calendar';
import type { FeatureSet } from './feature-set';
import type { ResolvedSpec } from './spec';
import type { SeriesData } from './series';

/** Measures of one series on one business day (epoch day). */
export interface DailyMeasures {
  day: number;
  /** Net units (returns negative). */
  units: number;
  /** Net sales in currency units (returns negative). */
  netSales: number;
  /** Lowest on-hand count of the day's inventory snapshots; null without a snapshot. */
  onHandMin: number | null;
}

/** A price change, effective from `day`. `order` breaks ties between changes of the same day. */
export interface PricePoint {
  day: number;
  price: number;
  regularPrice: number | null;
  order: string;
}

/** A promotion over inclusive epoch days. */
export interface PromotionSpan {
  first: number;
  last: number;
}

export interface SeriesHistory {
  storeId: string;
  sku: string;
  /** First business day with a sale or inventory event (over all history known, not only the window). */
  firstDay: number;
  /** Days with events inside the window, in any order. */
  days: DailyMeasures[];
  /** Price changes effective inside the window, plus the last one before it. */
  prices: PricePoint[];
  promotions: PromotionSpan[];
  product?: { category: string; department: string; launchDay: number | null };
  store?: { region: string; sizeSqft: number | null };
}

/** What the values of a series are. */
export type Measure = 'units' | 'net_sales';

export const MEASURES: readonly Measure[] = ['units', 'net_sales'];

/** Epoch day of a `YYYY-MM-DD` date. */
export function dayOf(date: string): number {
  return epochDay(parseDate(date));
}

/** The period a day falls in. */
export function periodOfDay(grid: PeriodGrid, day: number): number {
  const origin = periodSpan({ frequency: 'daily', origin: grid.origin }, 0).first;
  switch (grid.frequency) {
    case 'daily':
      return day - origin;
    case 'weekly':
      // `+ 0` turns the -0 of Math.ceil(-0.5) into 0.
      return (grid.weekLabel === 'end' ? Math.ceil((day - origin) / 7) : Math.floor((day - origin) / 7)) + 0;
    case 'monthly': {
      const o = new Date(origin * 86_400_000);
      const d = new Date(day * 86_400_000);
      return (d.getUTCFullYear() - o.getUTCFullYear()) * 12 + (d.getUTCMonth() - o.getUTCMonth());
    }
  }
}

/** The last period whose every day is on or before `day` (a period is complete once its last day is). */
export function lastCompletePeriod(grid: PeriodGrid, day: number): number {
  const p = periodOfDay(grid, day);
  return periodSpan(grid, p).last <= day ? p : p - 1;
}

/**
 * Periods of history a row anchored at t reads (t - n + 1 .. t): the longest lag, window or
 * scale, plus a warm-up for the slowest exponentially weighted mean (its weight falls below 1e-3).
 */
export function historyPeriods(spec: ResolvedSpec): number {
  const spans = [
    ...spec.lags,
    ...spec.windows,
    spec.scaleWindow ?? 1,
    spec.stockWindow ?? 1,
    spec.price?.window ?? 1,
    ...spec.groups.flatMap((g) => [...g.lags, g.window]),
  ];
  const slowest = Math.min(1, ...spec.ewmAlphas);
  const warmUp = slowest >= 1 ? 0 : Math.ceil(Math.log(1e-3) / Math.log(1 - slowest));
  return Math.max(...spans) + warmUp;
}

/** Epoch days [first, last] a history window covers: what a loader must read for an anchor. */
export function historyDays(
  featureSet: FeatureSet,
  anchor: number,
  horizon: number,
): { first: number; lastObserved: number; lastPlanned: number } {
  const grid = featureSet.spec.grid;
  const start = anchor - historyPeriods(featureSet.spec) + 1;
  return {
    first: periodSpan(grid, start).first,
    lastObserved: periodSpan(grid, anchor).last,
    lastPlanned: periodSpan(grid, anchor + horizon).last,
  };
}

/** A stable numeric code of a categorical value (FNV-1a, 24 bits: exact in float32). */
export function categoryCode(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0xffffff;
}

/** The eight day-level scratch arrays of `seriesFromHistory`, zeroed, `numDays` long each. */
const DAY_ARRAYS = 8;
let scratch = new Float64Array(0);
function dayScratch(numDays: number): Float64Array[] {
  if (scratch.length < DAY_ARRAYS * numDays) scratch = new Float64Array(DAY_ARRAYS * numDays);
  else scratch.fill(0, 0, DAY_ARRAYS * numDays);
  return Array.from({ length: DAY_ARRAYS }, (_, k) => scratch.subarray(k * numDays, (k + 1) * numDays));
}

const priceOrder = (a: PricePoint, b: PricePoint): number =>
  a.day - b.day || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);

/**
 * The `SeriesData` of a history for rows anchored at `anchor` with horizons up to `horizon`:
 * observations for the window ending at the anchor, plans (price, promotion) through anchor + horizon.
 */
export function seriesFromHistory(
  featureSet: FeatureSet,
  history: SeriesHistory,
  anchor: number,
  horizon: number,
  measure: Measure,
): SeriesData {
  const spec = featureSet.spec;
  const grid = spec.grid;
  const n = historyPeriods(spec);
  const start = anchor - n + 1;
  const planned = n + horizon;
  const { first: firstDay, lastObserved, lastPlanned } = historyDays(featureSet, anchor, horizon);
  const numDays = lastPlanned - firstDay + 1;

  // Day-level arrays over the whole window (observed part and plan part): scratch space, reused
  // by the next call (a refresh builds hundreds of series, and fresh arrays per series were most
  // of its garbage).
  const [amount, sold, soldAmount, onHand, outOfStock, dayPrice, dayRegular, dayPromo] = dayScratch(numDays);
  onHand.fill(NaN);
  for (const d of history.days) {
    const k = d.day - firstDay;
    if (k < 0 || d.day > lastObserved) continue;
    amount[k] += measure === 'units' ? d.units : d.netSales;
    if (d.units > 0) {
      sold[k] += d.units;
      soldAmount[k] += d.netSales;
    }
    if (d.onHandMin !== null) onHand[k] = Number.isNaN(onHand[k]) ? d.onHandMin : Math.min(onHand[k], d.onHandMin);
  }
  let state = 0;
  for (let k = 0; k + firstDay <= lastObserved; k++) {
    if (!Number.isNaN(onHand[k])) state = onHand[k] === 0 ? 1 : 0;
    // A sale proves there was stock that day, whatever the snapshots said.
    if (sold[k] > 0) state = 0;
    outOfStock[k] = state;
  }
  dayPrice.fill(NaN);
  dayRegular.fill(NaN);
  const prices = [...history.prices].sort(priceOrder);
  let pi = 0;
  let current: PricePoint | undefined;
  for (let k = 0; k < numDays; k++) {
    while (pi < prices.length && prices[pi].day <= firstDay + k) current = prices[pi++];
    if (current) {
      dayPrice[k] = current.price;
      dayRegular[k] = current.regularPrice ?? current.price;
    }
  }
  for (const p of history.promotions) {
    for (let d = Math.max(p.first, firstDay); d <= Math.min(p.last, lastPlanned); d++) dayPromo[d - firstDay] = 1;
  }

  // The series' own arrays: views of one allocation.
  const own = new Float64Array(2 * n + 3 * planned);
  const values = own.subarray(0, n);
  const inStock = own.subarray(n, 2 * n);
  const price = own.subarray(2 * n, 2 * n + planned);
  const regularPrice = own.subarray(2 * n + planned, 2 * n + 2 * planned);
  const promo = own.subarray(2 * n + 2 * planned);
  for (let i = 0; i < planned; i++) {
    const span = periodSpan(grid, start + i);
    const lo = Math.max(span.first, firstDay) - firstDay;
    const hi = Math.min(span.last, lastPlanned) - firstDay;
    let sum = 0;
    let oos = 0;
    let pSum = 0;
    let rSum = 0;
    let pCnt = 0;
    let soldUnits = 0;
    let soldSales = 0;
    let onPromo = 0;
    for (let k = lo; k <= hi; k++) {
      sum += amount[k];
      oos |= outOfStock[k];
      if (!Number.isNaN(dayPrice[k])) {
        pSum += dayPrice[k];
        rSum += dayRegular[k];
        pCnt++;
      }
      soldUnits += sold[k];
      soldSales += soldAmount[k];
      onPromo |= dayPromo[k];
    }
    promo[i] = onPromo;
    if (pCnt > 0) {
      price[i] = pSum / pCnt;
      regularPrice[i] = rSum / pCnt;
    } else if (i < n && soldUnits > 0) {
      price[i] = soldSales / soldUnits;
      regularPrice[i] = price[i];
    } else {
      price[i] = NaN;
      regularPrice[i] = NaN;
    }
    if (i < n) {
      values[i] = span.last < history.firstDay ? NaN : sum;
      inStock[i] = oos ? 0 : 1;
    }
  }

  const categories: Record<string, number> = { store: categoryCode(history.storeId) };
  if (history.product) {
    categories.dept = categoryCode(history.product.department);
    categories.category = categoryCode(history.product.category);
  }
  const statics: Record<string, number> = {};
  if (history.store?.sizeSqft != null) statics.store_size = history.store.sizeSqft;
  const launchDay = history.product?.launchDay ?? history.firstDay;
  return {
    id: `${history.storeId}|${history.sku}`,
    start,
    values,
    inStock,
    price,
    regularPrice,
    promo,
    launchPeriod: periodOfDay(grid, launchDay),
    ...(history.store ? { region: history.store.region } : {}),
    categories,
    statics,
  };
}
