import { holidayDates, periodSpan, formatDate } from './calendar';
import { defineFeatureSet, lagIndex, type FeatureSet } from './feature-set';
import type { FeatureSetSpec } from './spec';
import type { SeriesData } from './series';

const get = (fs: FeatureSet, row: Float32Array, name: string): number => {
  const j = fs.names.indexOf(name);
  if (j < 0) throw new Error(`no feature ${name}`);
  return row[j];
};

const daily = (over: Partial<FeatureSetSpec> = {}): FeatureSet =>
  defineFeatureSet({
    name: 'test_daily',
    version: '1',
    grid: { frequency: 'daily', origin: '2024-01-01' },
    scaleWindow: null,
    ...over,
  });

const ramp = (n: number, start = 0): SeriesData => ({
  id: 'a',
  start,
  values: Float64Array.from({ length: n }, (_, i) => i + 1),
});

describe('lags', () => {
  it('reads the same phase as the target, never after the anchor', () => {
    const fs = daily({ lags: [1, 7, 364] });
    const s = ramp(800);
    const frame = fs.frame([s]);
    const t = 500;
    for (const h of [1, 3, 7, 8, 28]) {
      const row = frame.row(0, t, h);
      expect(get(fs, row, 'lag_1')).toBe(t + 1); // value at t (values are index + 1)
      const k7 = t + h - Math.ceil(h / 7) * 7;
      expect(k7).toBeLessThanOrEqual(t);
      expect((t + h - k7) % 7).toBe(0);
      expect(get(fs, row, 'lag_7')).toBe(k7 + 1);
      expect(get(fs, row, 'lag_364')).toBe(t + h - 364 + 1);
    }
    expect(lagIndex(10, 8, 7)).toBe(4);
    expect(get(fs, frame.row(0, 100, 1), 'lag_364')).toBeNaN(); // before the series start
  });

  it('weekly lag 52 is the target week a year earlier; monthly lag 12 the month a year earlier', () => {
    const w = defineFeatureSet({ name: 'w', version: '1', grid: { frequency: 'weekly', origin: '2010-02-05' } });
    const sw = ramp(150);
    const rw = w.frame([{ ...sw }]).row(0, 100, 5);
    const scale = w.frame([sw]).scale(0, 100);
    expect(get(w, rw, 'lag_52') * scale).toBeCloseTo(105 - 52 + 1, 3);
    expect(get(w, rw, 'lag_2') * scale).toBeCloseTo(100, 3); // index 100 + 5 - 3 * 2 = 99 holds 100
    const m = defineFeatureSet({
      name: 'm',
      version: '1',
      grid: { frequency: 'monthly', origin: '2020-01-01' },
      scaleWindow: null,
    });
    const rm = m.frame([ramp(40)]).row(0, 30, 2);
    expect(get(m, rm, 'lag_12')).toBe(32 - 12 + 1);
    expect(get(m, rm, 'lag_1')).toBe(31);
    expect(get(m, rm, 'cal_month')).toBe((32 % 12) + 1);
  });
});

describe('rolling statistics and EWM', () => {
  it('leaves censored and missing periods out instead of counting zeros', () => {
    const fs = daily({ windows: [4], lags: [1], ewmAlphas: [0.5], stockWindow: 4 });
    const s: SeriesData = {
      id: 'c',
      start: 0,
      values: Float64Array.from([10, 2, 0, 6, NaN, 4]),
      censored: Uint8Array.from([0, 0, 1, 0, 0, 0]),
    };
    const row = fs.frame([s]).row(0, 5, 1); // window = indices 2..5: censored, 6, NaN, 4
    expect(get(fs, row, 'roll_mean_4')).toBe(5);
    expect(get(fs, row, 'roll_std_4')).toBe(1);
    expect(get(fs, row, 'roll_min_4')).toBe(4);
    expect(get(fs, row, 'roll_max_4')).toBe(6);
    expect(get(fs, row, 'instock_share_4')).toBe(0.75);
    expect(get(fs, row, 'censored_last')).toBe(0);
    // EWM over observed 10, 2, 6, 4 with alpha 0.5: 10 -> 6 -> 6 -> 5.
    expect(get(fs, row, 'ewm_0p5')).toBe(5);
    const atCensored = fs.frame([s]).row(0, 2, 1);
    expect(get(fs, atCensored, 'lag_1')).toBeNaN(); // a censored value is unknown, not 0
    expect(get(fs, atCensored, 'censored_last')).toBe(1);
    expect(get(fs, atCensored, 'roll_std_4')).toBe(4);
  });

  it('treats out-of-stock periods (inStock 0) as censored', () => {
    const fs = daily({ windows: [3], lags: [1], rollingStats: ['mean'] });
    const s: SeriesData = { id: 's', start: 0, values: [3, 0, 9], inStock: [1, 0, 1] };
    expect(get(fs, fs.frame([s]).row(0, 2, 1), 'roll_mean_3')).toBe(6);
  });

  it('divides value features by the series scale', () => {
    const fs = daily({ scaleWindow: 2, lags: [1], windows: [2], rollingStats: ['mean'], ewmAlphas: [] });
    const frame = fs.frame([{ id: 'x', start: 0, values: [100, 200, 300] }]);
    const row = frame.row(0, 2, 1);
    expect(frame.scale(0, 2)).toBe(250);
    expect(get(fs, row, 'scale')).toBe(250);
    expect(get(fs, row, 'lag_1')).toBeCloseTo(300 / 250, 6);
    expect(get(fs, row, 'roll_mean_2')).toBe(1);
    expect(frame.scale(0, -1)).toBe(1);
  });
});

describe('calendar and holidays', () => {
  it('describes the target period of each frequency', () => {
    const fs = daily();
    const row = fs.frame([ramp(10)]).row(0, 3, 2); // 2024-01-06, a Saturday
    expect(get(fs, row, 'cal_dow')).toBe(5);
    expect(get(fs, row, 'cal_dom')).toBe(6);
    expect(get(fs, row, 'cal_doy')).toBe(6);
    expect(get(fs, row, 'cal_woy')).toBe(1);
    const w = defineFeatureSet({
      name: 'w',
      version: '1',
      grid: { frequency: 'weekly', origin: '2010-02-05', weekLabel: 'end' },
    });
    const rw = w.frame([ramp(60)]).row(0, 40, 2); // period 42 = 2010-11-26
    expect(formatDate(periodSpan(w.spec.grid, 42).label * 86_400_000)).toBe('2010-11-26');
    expect(get(w, rw, 'cal_woy')).toBe(47);
    expect(get(w, rw, 'cal_month')).toBe(11);
  });

  it('measures days to and since each holiday from the target period, per region', () => {
    const christmas = holidayDates({ date: '12-25' }, 2009, 2013);
    const thanksgiving = holidayDates({ month: 11, weekday: 4, n: 4 }, 2010, 2012);
    expect(thanksgiving).toEqual(['2010-11-25', '2011-11-24', '2012-11-22']);
    expect(holidayDates({ month: 5, weekday: 1, n: -1 }, 2024, 2024)).toEqual(['2024-05-27']);
    const fs = defineFeatureSet({
      name: 'h',
      version: '1',
      grid: { frequency: 'weekly', origin: '2010-02-05', weekLabel: 'end' },
      holidays: {
        regions: {
          us: [
            { name: 'christmas', dates: christmas },
            { name: 'thanksgiving', dates: thanksgiving },
          ],
          uk: [{ name: 'christmas', dates: christmas }],
        },
        defaultRegion: 'us',
        maxDistanceDays: 30,
      },
    });
    const frame = fs.frame([ramp(150), { ...ramp(150), id: 'uk', region: 'uk' }]);
    // Target 2010-12-24 (period 46, the week Dec 18..24): Christmas is 7 days after its first day.
    let row = frame.row(0, 44, 2);
    expect(get(fs, row, 'hol_to_christmas')).toBe(7);
    expect(get(fs, row, 'hol_in_christmas')).toBe(0);
    expect(get(fs, row, 'hol_since_thanksgiving')).toBe(29);
    // Target 2010-12-31 (Dec 25..31): Christmas inside, 0 days to it, 6 days since it at the end.
    row = frame.row(0, 44, 3);
    expect(get(fs, row, 'hol_to_christmas')).toBe(0);
    expect(get(fs, row, 'hol_in_christmas')).toBe(1);
    expect(get(fs, row, 'hol_since_christmas')).toBe(6);
    expect(get(fs, row, 'hol_since_thanksgiving')).toBe(30); // capped
    // 2011-12-23 (Dec 17..23): 8 days to Christmas: the shift against 2010 is visible.
    expect(get(fs, frame.row(0, 95, 3), 'hol_to_christmas')).toBe(8);
    // The UK calendar has no Thanksgiving: capped distances, never in the period.
    const uk = frame.row(1, 40, 2);
    expect(get(fs, uk, 'hol_to_thanksgiving')).toBe(30);
    expect(get(fs, uk, 'hol_in_thanksgiving')).toBe(0);
  });
});

describe('price, promotion, age, categories, covariates, groups', () => {
  it('computes price ratio, discount depth and days into a promotion at the target', () => {
    const fs = daily({ price: { window: 3 }, lags: [1] });
    const s: SeriesData = {
      id: 'p',
      start: 10,
      values: [5, 5, 5, 5, 5],
      price: [2, 2, 2, 2, 2, 1.5, 1.5, 1.5, 2],
      regularPrice: [2, 2, 2, 2, 2, 2, 2, 2, 2],
      promo: [0, 0, 0, 0, 0, 1, 1, 1, 0],
      launchPeriod: 8,
    };
    const frame = fs.frame([s]);
    const row = frame.row(0, 14, 3); // target period 17 = index 7, third promotion day
    expect(get(fs, row, 'price')).toBe(1.5);
    expect(get(fs, row, 'price_ratio_3')).toBe(0.75);
    expect(get(fs, row, 'discount_depth')).toBe(0.25);
    expect(get(fs, row, 'promo')).toBe(1);
    expect(get(fs, row, 'promo_day')).toBe(3);
    expect(get(fs, row, 'age')).toBe(17 - 8);
    const after = frame.row(0, 14, 4);
    expect(get(fs, after, 'promo')).toBe(0);
    expect(get(fs, after, 'promo_day')).toBe(0);
    expect(get(fs, after, 'discount_depth')).toBe(0);
    // Without a launch date the first observation stands in.
    expect(get(fs, fs.frame([{ ...s, launchPeriod: undefined }]).row(0, 14, 1), 'age')).toBe(5);
  });

  it('emits categorical codes, statics, covariates at target or anchor, and group ratios', () => {
    const fs = daily({
      lags: [1],
      categoricals: ['store', 'dept'],
      statics: ['size'],
      covariates: [
        { name: 'markdown', knownInAdvance: true },
        { name: 'cpi', knownInAdvance: false },
      ],
      groups: [{ key: 'dept', lags: [1], window: 2 }],
    });
    expect(fs.categoricalIndices.map((i) => fs.names[i])).toEqual(['cat_store', 'cat_dept']);
    const cov = { markdown: [0, 1, 2, 3, 4, 5], cpi: [10, 11, 12, 13, 14, 15] };
    const a: SeriesData = {
      id: 'a',
      start: 0,
      values: [1, 2, 3, 4],
      categories: { store: 1, dept: 7 },
      statics: { size: 5 },
      covariates: cov,
    };
    const b: SeriesData = { id: 'b', start: 0, values: [3, 4, 5, 6], categories: { store: 2, dept: 7 } };
    const frame = fs.frame([a, b]);
    const row = frame.row(0, 3, 2);
    expect(get(fs, row, 'cat_store')).toBe(1);
    expect(get(fs, row, 'cat_dept')).toBe(7);
    expect(get(fs, row, 'static_size')).toBe(5);
    expect(get(fs, row, 'cov_markdown')).toBe(5);
    expect(get(fs, row, 'cov_cpi')).toBe(13);
    // dept 7 means: 2, 3, 4, 5; window 2 at t = 3 -> 4.5; lag 1 -> 5 / 4.5.
    expect(get(fs, row, 'grp_dept_lag_1')).toBeCloseTo(5 / 4.5, 6);
    expect(get(fs, row, 'grp_dept_trend')).toBeCloseTo(5 / 4.5, 6);
    expect(get(fs, frame.row(1, 3, 1), 'cov_markdown')).toBeNaN();
  });
});

describe('point in time', () => {
  it('a row anchored at t never reads an observation after t (sentinel)', () => {
    const fs = defineFeatureSet({
      name: 'pit',
      version: '1',
      grid: { frequency: 'daily', origin: '2024-01-01' },
      categoricals: ['dept'],
      covariates: [{ name: 'temp', knownInAdvance: false }],
      groups: [{ key: 'dept', lags: [7, 364], window: 28 }],
    });
    const n = 900;
    const make = (id: string, k: number): SeriesData => ({
      id,
      start: 0,
      values: Float64Array.from({ length: n }, (_, i) => 10 + k + Math.sin(i / 3) * 5),
      censored: Uint8Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 1 : 0)),
      inStock: Uint8Array.from({ length: n }, () => 1),
      price: Float64Array.from({ length: n }, (_, i) => 2 + (i % 5) / 10),
      regularPrice: Float64Array.from({ length: n }, () => 2.5),
      promo: Uint8Array.from({ length: n }, (_, i) => (i % 30 < 5 ? 1 : 0)),
      categories: { dept: 1 },
      covariates: { temp: Float64Array.from({ length: n }, (_, i) => i) },
    });
    const series = [make('a', 0), make('b', 3)];
    const t = 600;
    const poisoned = series.map((s) => {
      const values = Float64Array.from(s.values);
      const censored = Uint8Array.from(s.censored as Uint8Array);
      const inStock = Uint8Array.from(s.inStock as Uint8Array);
      const temp = Float64Array.from(s.covariates!.temp);
      for (let i = t + 1; i < n; i++) {
        values[i] = 1e30;
        censored[i] = i % 2;
        inStock[i] = 0;
        temp[i] = -1e30;
      }
      return { ...s, values, censored, inStock, covariates: { temp } };
    });
    const clean = fs.frame(series);
    const dirty = fs.frame(poisoned);
    for (const h of [1, 7, 13, 28]) {
      for (const k of [0, 1]) {
        const a = clean.row(k, t, h);
        const b = dirty.row(k, t, h);
        expect(Array.from(b)).toEqual(Array.from(a));
        for (const v of b) expect(Math.abs(v)).not.toBeGreaterThan(1e20);
      }
    }
    // A later anchor does read the sentinel: the test would catch a leak.
    expect(Array.from(dirty.row(0, t + 1, 1))).not.toEqual(Array.from(clean.row(0, t + 1, 1)));
  });
});

describe('versioning', () => {
  const base: FeatureSetSpec = { name: 'v', version: '1', grid: { frequency: 'weekly', origin: '2010-02-05' } };
  it('is stable for the same definitions, whatever the key order', () => {
    const a = defineFeatureSet(base);
    const b = defineFeatureSet({ grid: { origin: '2010-02-05', frequency: 'weekly' }, version: '1', name: 'v' });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint).toBe(`v@1+${a.hash.slice(0, 12)}`);
    expect(defineFeatureSet({ ...base, lags: [1, 2, 52] }).hash).toBe(a.hash); // the defaults spelled out
  });
  it('changes when any parameter changes', () => {
    const h = defineFeatureSet(base).hash;
    const variants: FeatureSetSpec[] = [
      { ...base, lags: [1, 52] },
      { ...base, windows: [4, 13] },
      { ...base, ewmAlphas: [0.2, 0.4] },
      { ...base, scaleWindow: 8 },
      { ...base, grid: { ...base.grid, weekLabel: 'end' } },
      { ...base, price: { window: 4 } },
      { ...base, groups: [{ key: 'dept', lags: [52], window: 13 }] },
      { ...base, covariates: [{ name: 'cpi', knownInAdvance: true }] },
    ];
    const hashes = new Set(variants.map((v) => defineFeatureSet(v).hash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(h)).toBe(false);
    expect(defineFeatureSet({ ...base, version: '2' }).fingerprint).not.toBe(defineFeatureSet(base).fingerprint);
  });
});

describe('batch builders', () => {
  it('row-major and column-major matrices hold the same rows as fillRow', () => {
    const fs = daily({ scaleWindow: 7 });
    const frame = fs.frame([ramp(400), ramp(400, 5)]);
    const rows = { series: [0, 1, 0], anchor: [370, 380, 399], horizon: [1, 14, 28] };
    const rm = frame.matrix(rows);
    const cm = frame.matrix(rows, { layout: 'column-major' });
    const nf = fs.numFeatures;
    expect(rm.data.length).toBe(3 * nf);
    for (let r = 0; r < 3; r++) {
      const one = frame.row(rows.series[r], rows.anchor[r], rows.horizon[r]);
      for (let j = 0; j < nf; j++) {
        expect(Object.is(rm.data[r * nf + j], one[j])).toBe(true);
        expect(Object.is(cm.data[j * 3 + r], one[j])).toBe(true);
      }
    }
    expect(rm.featureNames).toEqual(fs.names);
  });
  it('rejects a horizon below 1', () => {
    expect(() =>
      daily()
        .frame([ramp(5)])
        .row(0, 3, 0),
    ).toThrow(/horizon/);
  });
});
