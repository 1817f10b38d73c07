/**
 * What a feature set is made of: the spec a caller writes, its defaults per frequency, and the
 * resolved form (every parameter explicit) whose canonical JSON is hashed into the version.
 */
import type { Frequency, HolidayDefinition, PeriodGrid } from './calendar';

export type RollingStat = 'mean' | 'std' | 'min' | 'max';

export interface CovariateSpec {
  name: string;
  /**
   * true: a plan known ahead (a scheduled markdown, a forecast temperature): read at the target
   * period t + h. false: an observation: read at the anchor t (its last known value).
   */
  knownInAdvance: boolean;
}

export interface GroupSpec {
  /** Key of `SeriesData.categories` (e.g. 'store', 'dept', 'category'). */
  key: string;
  /** Lags of the group mean (same convention as the series lags), relative to its window mean. */
  lags: number[];
  /** Window (periods ending at the anchor) of the group's mean level. */
  window: number;
}

export interface HolidaySpec {
  /** Holiday calendars per region; a series picks its `region`, else `defaultRegion`. */
  regions: Record<string, HolidayDefinition[]>;
  defaultRegion: string;
  /** Distances to and from holidays are capped at this many days. */
  maxDistanceDays: number;
}

/** A feature set as written; everything but name, version and grid has a default per frequency. */
export interface FeatureSetSpec {
  name: string;
  /** Human version, e.g. '1'; the hash of the definitions is appended to the fingerprint. */
  version: string;
  grid: PeriodGrid;
  /** What the series values measure (e.g. 'units', 'net_sales'): part of the definitions hash. Default 'value'. */
  target?: string;
  /** Lags in periods (see FEATURES.md / feature-set.ts for the direct multi-horizon convention). */
  lags?: number[];
  /** Rolling windows (periods ending at the anchor). */
  windows?: number[];
  rollingStats?: RollingStat[];
  /** Smoothing constants of exponentially weighted means. */
  ewmAlphas?: number[];
  /**
   * Value features (lags, rolling, EWM) are divided by the series scale at the anchor: the mean
   * absolute observed value over this many periods (null: raw values, no scale feature).
   */
  scaleWindow?: number | null;
  calendar?: boolean;
  holidays?: HolidaySpec | null;
  /** Price features; `window` is the span of the recent mean price. null: none. */
  price?: { window: number } | null;
  promo?: boolean;
  /** Share of in-stock periods over this window plus the anchor's censored flag. null: none. */
  stockWindow?: number | null;
  productAge?: boolean;
  /** Keys of `SeriesData.categories`, emitted as categorical codes. */
  categoricals?: string[];
  /** Keys of `SeriesData.statics` (store size, ...). */
  statics?: string[];
  covariates?: CovariateSpec[];
  groups?: GroupSpec[];
}

export type ResolvedSpec = Required<FeatureSetSpec>;

interface FrequencyDefaults {
  lags: number[];
  windows: number[];
  ewmAlphas: number[];
  scaleWindow: number;
  priceWindow: number;
  stockWindow: number;
}

export const FREQUENCY_DEFAULTS: Record<Frequency, FrequencyDefaults> = {
  daily: {
    lags: [1, 7, 14, 28, 364],
    windows: [7, 28, 91],
    ewmAlphas: [0.1, 0.3],
    scaleWindow: 28,
    priceWindow: 28,
    stockWindow: 28,
  },
  weekly: {
    lags: [1, 2, 52],
    windows: [4, 13, 52],
    ewmAlphas: [0.2, 0.5],
    scaleWindow: 13,
    priceWindow: 8,
    stockWindow: 8,
  },
  monthly: { lags: [1, 12], windows: [3, 6, 12], ewmAlphas: [0.3], scaleWindow: 6, priceWindow: 3, stockWindow: 3 },
};

const positiveInts = (name: string, xs: number[]): void => {
  for (const x of xs)
    if (!(Number.isInteger(x) && x >= 1)) throw new Error(`feature set: ${name} must be positive integers, got ${x}`);
  if (new Set(xs).size !== xs.length) throw new Error(`feature set: ${name} has duplicates`);
};

const NAME = /^[A-Za-z0-9_]+$/;

export function resolveSpec(spec: FeatureSetSpec): ResolvedSpec {
  const d = FREQUENCY_DEFAULTS[spec.grid.frequency];
  if (!d) throw new Error(`feature set: unknown frequency ${String(spec.grid.frequency)}`);
  const r: ResolvedSpec = {
    name: spec.name,
    version: spec.version,
    grid: { frequency: spec.grid.frequency, origin: spec.grid.origin, weekLabel: spec.grid.weekLabel ?? 'start' },
    target: spec.target ?? 'value',
    lags: spec.lags ?? d.lags,
    windows: spec.windows ?? d.windows,
    rollingStats: spec.rollingStats ?? ['mean', 'std', 'min', 'max'],
    ewmAlphas: spec.ewmAlphas ?? d.ewmAlphas,
    scaleWindow: spec.scaleWindow === undefined ? d.scaleWindow : spec.scaleWindow,
    calendar: spec.calendar ?? true,
    holidays: spec.holidays ?? null,
    price: spec.price === undefined ? { window: d.priceWindow } : spec.price,
    promo: spec.promo ?? true,
    stockWindow: spec.stockWindow === undefined ? d.stockWindow : spec.stockWindow,
    productAge: spec.productAge ?? true,
    categoricals: spec.categoricals ?? [],
    statics: spec.statics ?? [],
    covariates: spec.covariates ?? [],
    groups: spec.groups ?? [],
  };
  if (!NAME.test(r.target)) throw new Error(`feature set: target ${r.target} must match ${NAME}`);
  if (!NAME.test(r.name)) throw new Error(`feature set: name ${r.name} must match ${NAME}`);
  positiveInts('lags', r.lags);
  positiveInts('windows', r.windows);
  for (const a of r.ewmAlphas) if (!(a > 0 && a <= 1)) throw new Error(`feature set: ewm alpha ${a} must be in (0, 1]`);
  if (r.scaleWindow !== null) positiveInts('scaleWindow', [r.scaleWindow]);
  if (r.stockWindow !== null) positiveInts('stockWindow', [r.stockWindow]);
  if (r.price) positiveInts('price.window', [r.price.window]);
  for (const k of [...r.categoricals, ...r.statics, ...r.covariates.map((c) => c.name), ...r.groups.map((g) => g.key)])
    if (!NAME.test(k)) throw new Error(`feature set: key ${k} must match ${NAME}`);
  for (const g of r.groups) {
    positiveInts(`groups.${g.key}.lags`, g.lags);
    positiveInts(`groups.${g.key}.window`, [g.window]);
  }
  if (r.holidays) {
    if (!r.holidays.regions[r.holidays.defaultRegion])
      throw new Error(`feature set: holiday default region ${r.holidays.defaultRegion} has no calendar`);
    for (const defs of Object.values(r.holidays.regions))
      for (const h of defs)
        if (!NAME.test(h.name)) throw new Error(`feature set: holiday name ${h.name} must match ${NAME}`);
  }
  return r;
}

/** JSON with object keys sorted at every level: the same definitions always give the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot hash ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
