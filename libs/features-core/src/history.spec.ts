import { periodSpan, type PeriodGrid } from './calendar';
import { defineFeatureSet, type FeatureSet } from './feature-set';
import {
  categoryCode,
  dayOf,
  historyDays,
  historyPeriods,
  lastCompletePeriod,
  periodOfDay,
  seriesFromHistory,
  type DailyMeasures,
  type Measure,
  type PricePoint,
  type SeriesHistory,
} from './history';
import { defaultHolidays, retailFeatureSet } from './retail';
import type { FeatureSetSpec } from './spec';

// Hand-computed epoch days: 2000-01-01 is 30 * 365 + 7 leap days = 10957; 2024-01-01 is 54 * 365 + 13 = 19723.
const ORIGIN_DAY = 10958; // 2000-01-02, a Sunday (the retail default origin)
const ANCHOR_DAY = 19904; // 2024-06-30, a Sunday: 19723 + 31 + 29 + 31 + 30 + 31 + 29

// Weekly retail grid: weeks Monday..Sunday labelled by the Sunday. (19904 - 10958) / 7 = 1278.
const WEEK_ANCHOR = 1278;
const WEEKLY_N = 83; // 52 + ceil(ln(1e-3) / ln(0.8)) = 52 + 31
// Daily retail grid: period = day - 10958.
const DAY_ANCHOR = 8946;
const DAILY_N = 430; // 364 + ceil(ln(1e-3) / ln(0.9)) = 364 + 66

const weeklyFs = (measure: Measure = 'units'): FeatureSet => retailFeatureSet({ frequency: 'weekly', measure });
const dailyFs = (measure: Measure = 'units'): FeatureSet => retailFeatureSet({ frequency: 'daily', measure });

/** Index of a date in the values of a daily series anchored at 2024-06-30 (index 429 is the anchor). */
const dIdx = (date: string): number => DAILY_N - 1 - (ANCHOR_DAY - dayOf(date));

const rec = (date: string, units: number, netSales: number, onHandMin: number | null = null): DailyMeasures => ({
  day: dayOf(date),
  units,
  netSales,
  onHandMin,
});

const price = (date: string, p: number, regularPrice: number | null, order: string): PricePoint => ({
  day: dayOf(date),
  price: p,
  regularPrice,
  order,
});

const history = (over: Partial<SeriesHistory> = {}): SeriesHistory => ({
  storeId: 'S1',
  sku: 'K1',
  firstDay: dayOf('2024-01-01'),
  days: [],
  prices: [],
  promotions: [],
  ...over,
});

describe('dayOf', () => {
  it('counts whole days since 1970-01-01', () => {
    expect(dayOf('1970-01-01')).toBe(0);
    expect(dayOf('1970-01-02')).toBe(1);
    expect(dayOf('2000-01-02')).toBe(ORIGIN_DAY);
    expect(dayOf('2024-01-01')).toBe(19723);
    expect(dayOf('2024-06-30')).toBe(ANCHOR_DAY);
  });
});

describe('periodOfDay and lastCompletePeriod', () => {
  const daily: PeriodGrid = { frequency: 'daily', origin: '2000-01-02' };
  const weekEnd: PeriodGrid = { frequency: 'weekly', origin: '2000-01-02', weekLabel: 'end' };
  const weekStart: PeriodGrid = { frequency: 'weekly', origin: '2000-01-02', weekLabel: 'start' };
  const monthly: PeriodGrid = { frequency: 'monthly', origin: '2000-01-02' };

  it('daily: period = days since the origin, complete the same day', () => {
    expect(periodOfDay(daily, dayOf('2000-01-02'))).toBe(0);
    expect(periodOfDay(daily, dayOf('2000-01-01'))).toBe(-1);
    expect(periodOfDay(daily, dayOf('2024-06-30'))).toBe(8946);
    expect(lastCompletePeriod(daily, dayOf('2024-06-30'))).toBe(8946);
    expect(lastCompletePeriod(daily, dayOf('2000-01-02'))).toBe(0);
  });

  it("weekly 'end': weeks Monday..Sunday labelled by the Sunday; a Sunday completes its week", () => {
    expect(periodOfDay(weekEnd, dayOf('2000-01-02'))).toBe(0);
    expect(periodOfDay(weekEnd, dayOf('2000-01-03'))).toBe(1); // Monday opens week 1 (ends 2000-01-09)
    expect(periodOfDay(weekEnd, dayOf('2000-01-09'))).toBe(1);
    expect(periodOfDay(weekEnd, dayOf('1999-12-26'))).toBe(-1); // the Sunday a week before the origin
    expect(periodOfDay(weekEnd, dayOf('2024-06-24'))).toBe(1278); // Monday
    expect(periodOfDay(weekEnd, dayOf('2024-06-26'))).toBe(1278); // Wednesday
    expect(periodOfDay(weekEnd, dayOf('2024-06-30'))).toBe(1278); // Sunday
    expect(periodOfDay(weekEnd, dayOf('2024-07-01'))).toBe(1279); // next Monday
    expect(periodOfDay(weekEnd, dayOf('2024-06-23'))).toBe(1277); // previous Sunday

    expect(lastCompletePeriod(weekEnd, dayOf('2024-06-30'))).toBe(1278); // Sunday: its week is complete
    expect(lastCompletePeriod(weekEnd, dayOf('2024-06-26'))).toBe(1277); // Wednesday: not yet
    expect(lastCompletePeriod(weekEnd, dayOf('2024-06-24'))).toBe(1277);
    expect(lastCompletePeriod(weekEnd, dayOf('2024-07-01'))).toBe(1278);
    expect(lastCompletePeriod(weekEnd, dayOf('2000-01-05'))).toBe(0);
  });

  it("weekly 'start': weeks Sunday..Saturday labelled by the Sunday; a Saturday completes its week", () => {
    expect(periodOfDay(weekStart, dayOf('2000-01-02'))).toBe(0);
    expect(periodOfDay(weekStart, dayOf('2000-01-08'))).toBe(0); // Saturday
    expect(periodOfDay(weekStart, dayOf('2000-01-09'))).toBe(1);
    expect(periodOfDay(weekStart, dayOf('2000-01-01'))).toBe(-1); // Saturday before the origin
    expect(periodOfDay(weekStart, dayOf('2024-06-30'))).toBe(1278); // Sunday opens week 1278
    expect(periodOfDay(weekStart, dayOf('2024-07-06'))).toBe(1278); // Saturday closes it
    expect(periodOfDay(weekStart, dayOf('2024-06-26'))).toBe(1277); // Wednesday of 06-23..06-29
    expect(periodOfDay(weekStart, dayOf('2024-06-29'))).toBe(1277);

    expect(lastCompletePeriod(weekStart, dayOf('2024-06-30'))).toBe(1277); // week 1278 just began
    expect(lastCompletePeriod(weekStart, dayOf('2024-06-26'))).toBe(1276);
    expect(lastCompletePeriod(weekStart, dayOf('2024-06-29'))).toBe(1277); // Saturday: complete
    expect(lastCompletePeriod(weekStart, dayOf('2024-07-06'))).toBe(1278);
  });

  it('weekly grids take their weekday from the origin', () => {
    // 2010-02-05 is a Friday: with 'end' weeks run Saturday..Friday.
    const fri: PeriodGrid = { frequency: 'weekly', origin: '2010-02-05', weekLabel: 'end' };
    expect(periodOfDay(fri, dayOf('2010-02-05'))).toBe(0);
    expect(periodOfDay(fri, dayOf('2010-02-06'))).toBe(1); // Saturday
    expect(periodOfDay(fri, dayOf('2010-02-12'))).toBe(1); // Friday
    expect(lastCompletePeriod(fri, dayOf('2010-02-11'))).toBe(0);
    expect(lastCompletePeriod(fri, dayOf('2010-02-12'))).toBe(1);
  });

  it('monthly: the month of the origin date is period 0, complete on its last day', () => {
    expect(periodOfDay(monthly, dayOf('2000-01-01'))).toBe(0); // before the origin day, same month
    expect(periodOfDay(monthly, dayOf('2000-01-31'))).toBe(0);
    expect(periodOfDay(monthly, dayOf('2000-02-01'))).toBe(1);
    expect(periodOfDay(monthly, dayOf('1999-12-31'))).toBe(-1);
    expect(periodOfDay(monthly, dayOf('2024-06-30'))).toBe(24 * 12 + 5);
    expect(periodOfDay(monthly, dayOf('2024-02-29'))).toBe(24 * 12 + 1);

    expect(lastCompletePeriod(monthly, dayOf('2024-06-30'))).toBe(293);
    expect(lastCompletePeriod(monthly, dayOf('2024-06-29'))).toBe(292);
    expect(lastCompletePeriod(monthly, dayOf('2024-02-29'))).toBe(289); // leap day closes February
    expect(lastCompletePeriod(monthly, dayOf('2024-02-28'))).toBe(288);
    expect(lastCompletePeriod(monthly, dayOf('2000-01-31'))).toBe(0);
    expect(lastCompletePeriod(monthly, dayOf('2000-01-30'))).toBe(-1);
  });

  it('agrees with periodSpan: the period of a day contains it, the last complete period ends by it', () => {
    const grids: PeriodGrid[] = [
      daily,
      weekEnd,
      weekStart,
      monthly,
      { frequency: 'weekly', origin: '2010-02-05', weekLabel: 'end' },
      { frequency: 'weekly', origin: '2010-02-05', weekLabel: 'start' },
      { frequency: 'monthly', origin: '2023-03-31' },
    ];
    const days: number[] = [];
    for (let d = dayOf('1999-10-01'); d <= dayOf('2000-04-01'); d++) days.push(d);
    for (let d = dayOf('2023-12-01'); d <= dayOf('2025-01-31'); d++) days.push(d);
    const failures: string[] = [];
    for (const grid of grids) {
      for (const d of days) {
        const p = periodOfDay(grid, d);
        const span = periodSpan(grid, p);
        if (!(span.first <= d && d <= span.last)) failures.push(`${JSON.stringify(grid)} day ${d}: period ${p}`);
        const c = lastCompletePeriod(grid, d);
        if (!(periodSpan(grid, c).last <= d && periodSpan(grid, c + 1).last > d))
          failures.push(`${JSON.stringify(grid)} day ${d}: last complete ${c}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('historyPeriods and historyDays', () => {
  it('covers the longest lag or window plus the EWM warm-up of the default feature sets', () => {
    // weekly: max(lags 1,2,52; windows 4,13,52; scale 13; stock 8; price 8) = 52, slowest alpha 0.2:
    // ln(1e-3) / ln(0.8) = 30.96 -> 31.
    expect(historyPeriods(weeklyFs().spec)).toBe(83);
    expect(historyPeriods(weeklyFs('net_sales').spec)).toBe(83);
    // daily: max(lags ..364; windows ..91; 28; 28; 28) = 364, slowest alpha 0.1: 65.56 -> 66.
    expect(historyPeriods(dailyFs().spec)).toBe(430);
    // monthly: max(12) + ceil(ln(1e-3) / ln(0.7)) = 12 + ceil(19.37).
    expect(historyPeriods(retailFeatureSet({ frequency: 'monthly', measure: 'units' }).spec)).toBe(32);
  });

  it('takes every span into account and no warm-up without a slow EWM', () => {
    const base: FeatureSetSpec = {
      name: 'h',
      version: '1',
      grid: { frequency: 'daily', origin: '2024-01-01' },
      lags: [3],
      windows: [5],
      ewmAlphas: [],
      scaleWindow: null,
      stockWindow: null,
      price: null,
    };
    const n = (over: Partial<FeatureSetSpec>): number => historyPeriods(defineFeatureSet({ ...base, ...over }).spec);
    expect(n({})).toBe(5);
    expect(n({ ewmAlphas: [1] })).toBe(5);
    expect(n({ ewmAlphas: [0.5] })).toBe(5 + 10); // ln(1e-3) / ln(0.5) = 9.97
    expect(n({ lags: [9] })).toBe(9);
    expect(n({ scaleWindow: 11 })).toBe(11);
    expect(n({ stockWindow: 12 })).toBe(12);
    expect(n({ price: { window: 40 } })).toBe(40);
    expect(n({ groups: [{ key: 'store', lags: [20], window: 4 }] })).toBe(20);
    expect(n({ groups: [{ key: 'store', lags: [2], window: 30 }] })).toBe(30);
  });

  it('gives the days a loader reads for a weekly anchor', () => {
    // start period 1278 - 83 + 1 = 1196: the week ending 10958 + 7 * 1196 = 2022-12-04.
    expect(historyDays(weeklyFs(), WEEK_ANCHOR, 2)).toEqual({
      first: dayOf('2022-11-28'),
      lastObserved: dayOf('2024-06-30'),
      lastPlanned: dayOf('2024-07-14'),
    });
    expect(historyDays(dailyFs(), DAY_ANCHOR, 7)).toEqual({
      first: dayOf('2023-04-28'), // 2024-06-30 minus 429 days
      lastObserved: dayOf('2024-06-30'),
      lastPlanned: dayOf('2024-07-07'),
    });
  });
});

describe('seriesFromHistory: values', () => {
  const days = [
    rec('2024-06-30', 1, 2.5),
    rec('2024-06-19', -1, -2.5), // a return
    rec('2024-06-24', 2, 5),
    rec('2024-07-01', 100, 250), // after the anchor: never read
    rec('2024-06-23', 4, 10),
    rec('2024-06-26', 3, 7.5),
  ];
  const h = history({ days, firstDay: dayOf('2024-06-12') }); // a Wednesday

  it('has the window length and start of the anchor', () => {
    const w = seriesFromHistory(weeklyFs(), h, WEEK_ANCHOR, 2, 'units');
    expect(w.start).toBe(1196);
    expect(w.values).toHaveLength(WEEKLY_N);
    expect(w.inStock).toHaveLength(WEEKLY_N);
    expect(w.price).toHaveLength(WEEKLY_N + 2);
    expect(w.regularPrice).toHaveLength(WEEKLY_N + 2);
    expect(w.promo).toHaveLength(WEEKLY_N + 2);
    expect(w.id).toBe('S1|K1');

    const d = seriesFromHistory(dailyFs(), h, DAY_ANCHOR, 7, 'units');
    expect(d.start).toBe(8946 - 430 + 1);
    expect(d.values).toHaveLength(DAILY_N);
    expect(d.price).toHaveLength(DAILY_N + 7);
    expect(d.promo).toHaveLength(DAILY_N + 7);
  });

  it('weekly: sums the units of the 7 days of each week; 0 from firstDay on, NaN before', () => {
    const s = seriesFromHistory(weeklyFs(), h, WEEK_ANCHOR, 2, 'units');
    expect(s.values[82]).toBe(6); // 06-24..06-30: 2 + 3 + 1
    expect(s.values[81]).toBe(3); // 06-17..06-23: -1 + 4
    expect(s.values[80]).toBe(0); // 06-10..06-16 holds firstDay 06-12: no records
    expect(s.values[79]).toBeNaN(); // 06-03..06-09 ends before firstDay
    expect(s.values[0]).toBeNaN();
    let total = 0;
    for (let i = 0; i < s.values.length; i++) if (!Number.isNaN(s.values[i])) total += s.values[i];
    expect(total).toBe(9); // the 100 units of 07-01 are nowhere
  });

  it('weekly: sums net sales when the measure is net_sales', () => {
    const s = seriesFromHistory(weeklyFs('net_sales'), h, WEEK_ANCHOR, 2, 'net_sales');
    expect(s.values[82]).toBe(15); // 5 + 7.5 + 2.5
    expect(s.values[81]).toBe(7.5); // -2.5 + 10
    expect(s.values[80]).toBe(0);
    expect(s.values[79]).toBeNaN();
  });

  it('daily: one day per period', () => {
    const s = seriesFromHistory(dailyFs(), h, DAY_ANCHOR, 7, 'units');
    expect(dIdx('2024-06-30')).toBe(429);
    expect(s.values[429]).toBe(1);
    expect(s.values[dIdx('2024-06-26')]).toBe(3);
    expect(s.values[dIdx('2024-06-25')]).toBe(0);
    expect(s.values[dIdx('2024-06-19')]).toBe(-1);
    expect(s.values[dIdx('2024-06-12')]).toBe(0); // firstDay itself
    expect(s.values[dIdx('2024-06-11')]).toBeNaN();
    const net = seriesFromHistory(dailyFs('net_sales'), h, DAY_ANCHOR, 7, 'net_sales');
    expect(net.values[dIdx('2024-06-23')]).toBe(10);
    expect(net.values[dIdx('2024-06-26')]).toBe(7.5);
  });

  it('has no NaN when the series is older than the window', () => {
    const s = seriesFromHistory(weeklyFs(), history({ days, firstDay: dayOf('2020-01-01') }), WEEK_ANCHOR, 2, 'units');
    expect(s.values[0]).toBe(0);
    expect(Array.from(s.values).some((v) => Number.isNaN(v))).toBe(false);
  });
});

describe('seriesFromHistory: stock', () => {
  const days = [
    rec('2024-06-20', 1, 2, 5),
    rec('2024-06-21', 0, 0, 0), // out of stock
    rec('2024-06-23', 0, 0, null), // no snapshot: carries the state
    rec('2024-06-24', 0, 0, 3), // restocked
    rec('2024-06-26', 2, 4, 0), // sold out during the day: in stock
    rec('2024-06-29', 0, 0, 0), // out of stock, carried to 06-30
  ];

  it('daily: zero on hand without sales is out of stock until the next snapshot with stock', () => {
    const s = seriesFromHistory(dailyFs(), history({ days }), DAY_ANCHOR, 7, 'units');
    const got = Array.from({ length: 12 }, (_, k) => s.inStock?.[dIdx('2024-06-19') + k]);
    //           19 20 21 22 23 24 25 26 27 28 29 30
    expect(got).toEqual([1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(s.inStock?.[0]).toBe(1);
    expect(s.values[dIdx('2024-06-21')]).toBe(0); // the value stays, the period is censored by inStock
  });

  it('weekly: a week with an out-of-stock day is out of stock', () => {
    const s = seriesFromHistory(weeklyFs(), history({ days }), WEEK_ANCHOR, 2, 'units');
    expect(s.inStock?.[80]).toBe(1);
    expect(s.inStock?.[81]).toBe(0);
    expect(s.inStock?.[82]).toBe(0); // 06-29
  });

  it('weekly: the state carries across weeks until a snapshot with stock', () => {
    const s = seriesFromHistory(
      weeklyFs(),
      history({ days: [rec('2024-06-24', 0, 0, 2), rec('2024-06-16', 0, 0, 0)] }),
      WEEK_ANCHOR,
      2,
      'units',
    );
    expect(s.inStock?.[79]).toBe(1);
    expect(s.inStock?.[80]).toBe(0); // Sunday 06-16
    expect(s.inStock?.[81]).toBe(0); // carried through 06-17..06-23
    expect(s.inStock?.[82]).toBe(1); // snapshot of 2 on Monday 06-24
  });

  it('weekly: zero on hand with a sale that day is in stock', () => {
    const s = seriesFromHistory(weeklyFs(), history({ days: [rec('2024-06-19', 1, 3, 0)] }), WEEK_ANCHOR, 2, 'units');
    expect(Array.from(s.inStock ?? []).every((v) => v === 1)).toBe(true);
  });

  it('a sale ends an out-of-stock spell even without a snapshot', () => {
    const spell = [rec('2024-06-20', 0, 0, 0), rec('2024-06-22', 3, 6, null)];
    const s = seriesFromHistory(dailyFs(), history({ days: spell }), DAY_ANCHOR, 1, 'units');
    const got = Array.from({ length: 4 }, (_, k) => s.inStock?.[dIdx('2024-06-20') + k]);
    //           20 21 22 23
    expect(got).toEqual([0, 0, 1, 1]);
  });

  it('ignores snapshots after the anchor', () => {
    const s = seriesFromHistory(weeklyFs(), history({ days: [rec('2024-07-01', 0, 0, 0)] }), WEEK_ANCHOR, 2, 'units');
    expect(s.inStock?.[82]).toBe(1);
  });
});

describe('seriesFromHistory: prices', () => {
  const prices = [
    price('2024-06-10', 3.0, 4, 'b'),
    price('2024-07-03', 2.5, 5, 'd'), // planned markdown after the anchor
    price('2022-10-01', 6, null, 'a'), // before both windows
    price('2023-01-15', 4, null, 'a'),
    price('2024-06-20', 5, null, 'c'),
    price('2024-06-10', 3.5, 4, 'a'), // same day as 'b', earlier order: superseded
  ];
  // A sale at a different price must not override a recorded price change.
  const days = [rec('2024-06-30', 1, 9)];

  it('daily: the latest change on or before each day, ties by order, plans after the anchor', () => {
    const s = seriesFromHistory(dailyFs(), history({ prices, days }), DAY_ANCHOR, 7, 'units');
    const p = (date: string): [number, number] => [s.price?.[dIdx(date)] ?? -1, s.regularPrice?.[dIdx(date)] ?? -1];
    expect(p('2023-04-28')).toEqual([4, 4]); // index 0; regular defaults to the price
    expect(dIdx('2023-04-28')).toBe(0);
    expect(p('2024-06-09')).toEqual([4, 4]);
    expect(p('2024-06-10')).toEqual([3, 4]);
    expect(p('2024-06-19')).toEqual([3, 4]);
    expect(p('2024-06-20')).toEqual([5, 5]);
    expect(p('2024-06-30')).toEqual([5, 5]);
    expect(p('2024-07-02')).toEqual([5, 5]);
    expect(p('2024-07-03')).toEqual([2.5, 5]);
    expect(p('2024-07-07')).toEqual([2.5, 5]);
    expect(dIdx('2024-07-07')).toBe(436);
  });

  it('weekly: the mean over the days of the week', () => {
    const s = seriesFromHistory(weeklyFs(), history({ prices, days }), WEEK_ANCHOR, 2, 'units');
    const p = (i: number): [number, number] => [s.price?.[i] ?? -1, s.regularPrice?.[i] ?? -1];
    expect(p(0)).toEqual([6, 6]); // 2022-11-28..12-04 under the 2022-10-01 price
    // Week ending Sunday 2023-01-15 = period (19372 - 10958) / 7 = 1202, index 6: six days at 6, one at 4.
    expect(p(6)[0]).toBeCloseTo(40 / 7, 12);
    expect(p(6)[1]).toBeCloseTo(40 / 7, 12);
    expect(p(79)).toEqual([4, 4]); // 06-03..06-09
    expect(p(80)).toEqual([3, 4]); // 06-10..06-16
    expect(p(81)[0]).toBeCloseTo((3 * 3 + 4 * 5) / 7, 12); // 06-17..19 at 3, 06-20..23 at 5
    expect(p(81)[1]).toBeCloseTo((3 * 4 + 4 * 5) / 7, 12);
    expect(p(82)).toEqual([5, 5]);
    expect(p(83)[0]).toBeCloseTo((2 * 5 + 5 * 2.5) / 7, 12); // 07-01..02 at 5, 07-03..07 at 2.5
    expect(p(83)[1]).toBe(5);
    expect(p(84)).toEqual([2.5, 5]);
  });

  it('averages only over days with a price, and falls back to the selling price of positive sales', () => {
    const sales = [
      rec('2024-06-18', 2, 5),
      rec('2024-06-19', 3, 7.5),
      rec('2024-06-20', -1, -3), // a return: not a sale
      rec('2024-06-27', 1, 6),
      rec('2024-07-01', 2, 100), // after the anchor: never read
    ];
    const withChange = seriesFromHistory(
      weeklyFs(),
      history({ days: sales, prices: [price('2024-06-26', 6, 8, 'x')] }),
      WEEK_ANCHOR,
      2,
      'units',
    );
    expect(withChange.price?.[82]).toBe(6); // 06-26..06-30 only, not 5 * 6 / 7
    expect(withChange.regularPrice?.[82]).toBe(8);
    expect(withChange.price?.[81]).toBe(2.5); // (5 + 7.5) / (2 + 3)
    expect(withChange.regularPrice?.[81]).toBe(2.5);
    expect(withChange.price?.[80]).toBeNaN(); // no price, no sale
    expect(withChange.price?.[83]).toBe(6); // the plan keeps the last change
    expect(withChange.regularPrice?.[84]).toBe(8);

    const noChange = seriesFromHistory(weeklyFs(), history({ days: sales }), WEEK_ANCHOR, 2, 'units');
    expect(noChange.price?.[81]).toBe(2.5);
    expect(noChange.price?.[82]).toBe(6); // 6 / 1
    expect(noChange.regularPrice?.[82]).toBe(6);
    expect(noChange.price?.[80]).toBeNaN();
    expect(noChange.price?.[83]).toBeNaN(); // plans never fall back to sales
    expect(noChange.price?.[84]).toBeNaN();
    expect(noChange.regularPrice?.[83]).toBeNaN();
  });
});

describe('seriesFromHistory: promotions', () => {
  const promotions = [
    { first: dayOf('2024-06-23'), last: dayOf('2024-06-23') }, // a Sunday
    { first: dayOf('2024-07-07'), last: dayOf('2024-07-09') }, // planned, across two weeks
    { first: dayOf('2020-01-01'), last: dayOf('2020-02-01') }, // long before the window
    { first: dayOf('2022-11-20'), last: dayOf('2022-11-28') }, // ends on the window's first day
    { first: dayOf('2024-08-01'), last: dayOf('2024-08-10') }, // after the plan
  ];

  it('weekly: 1 when any day of the week is inside a promotion', () => {
    const s = seriesFromHistory(weeklyFs(), history({ promotions }), WEEK_ANCHOR, 2, 'units');
    expect(s.promo?.[0]).toBe(1);
    expect(s.promo?.[1]).toBe(0);
    expect(s.promo?.[80]).toBe(0);
    expect(s.promo?.[81]).toBe(1);
    expect(s.promo?.[82]).toBe(0);
    expect(s.promo?.[83]).toBe(1); // 07-01..07-07
    expect(s.promo?.[84]).toBe(1); // 07-08..07-14
    expect(Array.from(s.promo ?? []).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('daily: 1 on the promoted days only', () => {
    const s = seriesFromHistory(dailyFs(), history({ promotions }), DAY_ANCHOR, 7, 'units');
    expect(s.promo?.[dIdx('2024-06-22')]).toBe(0);
    expect(s.promo?.[dIdx('2024-06-23')]).toBe(1);
    expect(s.promo?.[dIdx('2024-06-24')]).toBe(0);
    expect(s.promo?.[dIdx('2024-07-06')]).toBe(0);
    expect(s.promo?.[dIdx('2024-07-07')]).toBe(1);
    expect(Array.from(s.promo ?? []).reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('seriesFromHistory: categories, statics, launch and region', () => {
  const full = history({
    firstDay: dayOf('2024-06-12'),
    product: { category: 'snacks', department: 'grocery', launchDay: dayOf('2024-03-06') }, // a Wednesday
    store: { region: 'west', sizeSqft: 42000 },
  });

  it('codes the store, department and category and reads the store size and region', () => {
    const s = seriesFromHistory(weeklyFs(), full, WEEK_ANCHOR, 2, 'units');
    expect(s.categories).toEqual({
      store: categoryCode('S1'),
      dept: categoryCode('grocery'),
      category: categoryCode('snacks'),
    });
    expect(s.statics).toEqual({ store_size: 42000 });
    expect(s.region).toBe('west');
    // Week ending Sunday 2024-03-10 = day 19792: (19792 - 10958) / 7 = 1262.
    expect(s.launchPeriod).toBe(1262);
    const d = seriesFromHistory(dailyFs(), full, DAY_ANCHOR, 7, 'units');
    expect(d.launchPeriod).toBe(19788 - ORIGIN_DAY);
  });

  it('falls back to firstDay for the launch and leaves out what is not known', () => {
    const bare = seriesFromHistory(weeklyFs(), history({ firstDay: dayOf('2024-06-12') }), WEEK_ANCHOR, 2, 'units');
    expect(bare.launchPeriod).toBe(1276); // week ending 2024-06-16
    expect(bare.categories).toEqual({ store: categoryCode('S1') });
    expect(bare.statics).toEqual({});
    expect(bare.region).toBeUndefined();

    const noLaunch = seriesFromHistory(
      weeklyFs(),
      history({
        firstDay: dayOf('2024-06-12'),
        product: { category: 'snacks', department: 'grocery', launchDay: null },
        store: { region: 'east', sizeSqft: null },
      }),
      WEEK_ANCHOR,
      2,
      'units',
    );
    expect(noLaunch.launchPeriod).toBe(1276);
    expect(noLaunch.statics).toEqual({});
    expect(noLaunch.region).toBe('east');
  });

  it('feeds the feature set: codes, store size and age come out of a row', () => {
    const fs = weeklyFs();
    const s = seriesFromHistory(fs, full, WEEK_ANCHOR, 2, 'units');
    const row = fs.frame([s]).row(0, WEEK_ANCHOR, 1);
    const get = (name: string): number => row[fs.names.indexOf(name)];
    expect(get('cat_store')).toBe(categoryCode('S1'));
    expect(get('cat_dept')).toBe(categoryCode('grocery'));
    expect(get('cat_category')).toBe(categoryCode('snacks'));
    expect(get('static_store_size')).toBe(42000);
    expect(get('age')).toBe(1279 - 1262);
  });
});

describe('categoryCode', () => {
  it('is 32-bit FNV-1a cut to 24 bits', () => {
    // Published FNV-1a 32 test vectors: "" 0x811c9dc5, "a" 0xe40c292c, "foobar" 0xbf9cf968.
    expect(categoryCode('')).toBe(0x1c9dc5);
    expect(categoryCode('a')).toBe(0x0c292c);
    expect(categoryCode('foobar')).toBe(0x9cf968);
  });

  it('is deterministic, within [0, 2^24), exact in float32 and distinct for distinct values', () => {
    const values = [
      'S1',
      'S2',
      'store-0001',
      'grocery',
      'snacks',
      'Snacks',
      'dairy',
      'é',
      'a much longer value '.repeat(5),
    ];
    const codes = values.map(categoryCode);
    for (const [i, v] of values.entries()) {
      const c = codes[i];
      expect(categoryCode(v)).toBe(c);
      expect(Number.isInteger(c)).toBe(true);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(2 ** 24);
      expect(Math.fround(c)).toBe(c);
    }
    expect(new Set(codes).size).toBe(values.length);
  });
});

describe('retailFeatureSet', () => {
  const base = retailFeatureSet({ frequency: 'weekly', measure: 'units' });

  it('has a stable fingerprint that follows measure, frequency, origin, week label and version', () => {
    expect(retailFeatureSet({ frequency: 'weekly', measure: 'units' }).fingerprint).toBe(base.fingerprint);
    expect(
      retailFeatureSet({ frequency: 'weekly', measure: 'units', origin: '2000-01-02', weekLabel: 'end', version: '1' })
        .fingerprint,
    ).toBe(base.fingerprint); // the defaults spelled out
    expect(base.fingerprint).toMatch(/^retail@1\+[0-9a-f]{12}$/);

    const others = [
      retailFeatureSet({ frequency: 'weekly', measure: 'net_sales' }),
      retailFeatureSet({ frequency: 'daily', measure: 'units' }),
      retailFeatureSet({ frequency: 'weekly', measure: 'units', origin: '2000-01-07' }),
      retailFeatureSet({ frequency: 'weekly', measure: 'units', weekLabel: 'start' }),
      retailFeatureSet({ frequency: 'weekly', measure: 'units', version: '2' }),
    ];
    const prints = [base, ...others].map((f) => f.fingerprint);
    expect(new Set(prints).size).toBe(prints.length);
    expect(others[4].fingerprint).toBe(`retail@2+${base.hash.slice(0, 12)}`); // version is not hashed
    expect(others[0].spec.target).toBe('net_sales');
    expect(base.spec.grid).toEqual({ frequency: 'weekly', origin: '2000-01-02', weekLabel: 'end' });
  });

  it('emits store, dept and category as categoricals and the store size as a static', () => {
    for (const fs of [base, retailFeatureSet({ frequency: 'daily', measure: 'net_sales' })]) {
      expect(fs.names).toEqual(expect.arrayContaining(['cat_store', 'cat_dept', 'cat_category', 'static_store_size']));
      expect(fs.categoricalIndices.map((i) => fs.names[i])).toEqual(['cat_store', 'cat_dept', 'cat_category']);
      expect(fs.names).toEqual(expect.arrayContaining(['hol_to_thanksgiving', 'hol_in_christmas']));
    }
  });

  it('defaults to the US retail holidays', () => {
    const h = defaultHolidays();
    expect(h.defaultRegion).toBe('default');
    expect(h.maxDistanceDays).toBe(60);
    const byName = new Map(h.regions.default.map((d) => [d.name, d.dates]));
    expect([...byName.keys()]).toEqual([
      'new_year',
      'super_bowl',
      'memorial_day',
      'independence_day',
      'labor_day',
      'thanksgiving',
      'christmas',
    ]);
    expect(byName.get('thanksgiving')).toContain('2024-11-28'); // 4th Thursday: Nov 1 2024 is a Friday
    expect(byName.get('thanksgiving')).not.toContain('2024-11-21');
    expect(byName.get('thanksgiving')).toContain('2025-11-27');
    expect(byName.get('christmas')).toContain('2025-12-25');
    // Super Bowl Sundays: late January before 2004, then the first, from 2022 the second Sunday of February.
    expect(byName.get('super_bowl')).toEqual(
      expect.arrayContaining(['2000-01-30', '2003-01-26', '2010-02-07', '2012-02-05', '2024-02-11', '2026-02-08']),
    );
    expect(byName.get('super_bowl')).not.toContain('2024-02-04');
    expect(byName.get('memorial_day')).toContain('2024-05-27'); // last Monday of May
    expect(byName.get('labor_day')).toContain('2024-09-02'); // first Monday of September
    expect(byName.get('new_year')).toContain('1990-01-01');
    expect(byName.get('new_year')).toContain('2060-01-01');
    expect(byName.get('christmas')).toHaveLength(71); // 1990..2060
  });
});
