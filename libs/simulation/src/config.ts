/**
 * What the simulator can be asked for, and the defaults: a small US grocery-like chain.
 */
import { parseIsoDate } from '@shelfcast/ml';

export interface DepartmentSpec {
  name: string;
  categories: string[];
  /** Range of the yearly seasonality amplitude of its categories (0.3 = ±30 % around the mean). */
  yearlyAmplitude: [number, number];
}

export interface HolidaySpec {
  name: string;
  /** Every year on this day, `MM-DD`. */
  date?: string;
  /** Or every year on the n-th weekday (0 = Sunday) of a month (1..12); `n = -1` is the last. */
  nthWeekday?: { month: number; weekday: number; n: number };
  /** Demand multiplier on the day itself (0.5 = half, 1.8 = +80 %). */
  uplift: number;
  /** Days before the holiday over which demand ramps linearly from 1 up to `uplift`. */
  rampDays: number;
}

export interface PromotionSpec {
  /** Mean number of promotions per store x SKU per year. */
  perYear: number;
  /** Inclusive range of promotion lengths in days. */
  durationDays: [number, number];
  /** Discount depths (0.2 = 20 % off) drawn uniformly for discount promotions. */
  discounts: number[];
  /**
   * Range of the per-SKU promotional elasticity: a discount `d` lifts demand by `(1 - d)^elasticity`
   * (e.g. -3 and 20 % off: x1.95). On a discount promotion this uplift replaces the price factor.
   */
  elasticity: [number, number];
  /** Share of promotions that are displays (no discount) lifting demand by `displayUplift`. */
  displayShare: number;
  displayUplift: number;
  /** Days between the promotion-scheduled event and the promotion's first day. */
  leadDays: number;
}

export interface PriceSpec {
  /** Range of regular prices. */
  regularPrice: [number, number];
  /** Mean number of temporary shelf-price changes per SKU per year (chain-wide). */
  changesPerYear: number;
  /** Inclusive range of their lengths in days. */
  durationDays: [number, number];
  /** Range of the relative price change (−0.2 = 20 % cheaper); changes under 3 % are widened to 3 %. */
  change: [number, number];
  /** Range of the per-SKU price elasticity: demand x `(price / regular)^elasticity`. */
  elasticity: [number, number];
}

export interface InventorySpec {
  /** Days between two orders of a store x SKU (periodic review). */
  reviewPeriodDays: number;
  /** Range of the safety multiplier on the planned demand over lead time + review period (below 1: frequent stock-outs). */
  safetyFactor: [number, number];
  /** Smoothing of the replenishment system's own demand estimate (from observed, censored sales). */
  smoothing: number;
  /** Probability that an order is short-shipped (only 0-50 % of it arrives). */
  shortShipRate: number;
  /** Probability that an order arrives late (1 to leadTime/2 + 1 days). */
  lateRate: number;
  /** Inventory snapshot events: every day, only when on-hand or on-order changed, or none. */
  snapshots: 'daily' | 'on-change' | 'none';
}

export interface SimulationConfig {
  stores: number;
  skus: number;
  /** First day, `YYYY-MM-DD`. */
  startDate: string;
  days: number;
  seed: number;
  /** Envelope `source` of every event (bind an API key to it to send them). */
  source: string;
  /** Prefix of every event id; default `sim<seed>`. */
  idPrefix: string;
  currency: string;
  /** Stores are spread over these IANA zones (round robin); event times carry the zone's offset of the day. */
  timeZones: string[];
  departments: DepartmentSpec[];
  /** Demand by weekday, Monday first; normalised to mean 1, sharpened or flattened per department. */
  weeklyProfile: number[];
  /** Range of the per-SKU log growth per year (0.1 ≈ +10 %/year). */
  trendPerYear: [number, number];
  holidays: HolidaySpec[];
  /** Share of SKUs that are intermittent slow movers (low negative-binomial rates, many zero days). */
  slowMoverShare: number;
  /** Range of slow movers' mean units per day. */
  slowMoverLevel: [number, number];
  /** Median and log-spread of regular movers' mean units per day (per store of average size). */
  fastMoverLevel: { median: number; logSd: number; max: number };
  /** Negative-binomial size (dispersion) ranges; larger is closer to Poisson. */
  fastDispersion: [number, number];
  slowDispersion: [number, number];
  /** Share of SKUs launched within the range (demand ramps up after launch). */
  newProductShare: number;
  /** Days for a new product to reach 95 % of its demand. */
  launchRampDays: number;
  promotions: PromotionSpec;
  prices: PriceSpec;
  inventory: InventorySpec;
  /** Share of units sold that come back (a return event, negative quantity, with a reason). */
  returnRate: number;
}

/** Everything optional; nested specs may be given in part. */
export type SimulationOptions = Partial<
  Omit<SimulationConfig, 'promotions' | 'prices' | 'inventory' | 'fastMoverLevel'>
> & {
  promotions?: Partial<PromotionSpec>;
  prices?: Partial<PriceSpec>;
  inventory?: Partial<InventorySpec>;
  fastMoverLevel?: Partial<SimulationConfig['fastMoverLevel']>;
};

export const DEFAULT_DEPARTMENTS: DepartmentSpec[] = [
  { name: 'grocery', categories: ['dairy', 'bakery', 'snacks', 'beverages'], yearlyAmplitude: [0.05, 0.2] },
  { name: 'household', categories: ['cleaning', 'paper'], yearlyAmplitude: [0.03, 0.1] },
  { name: 'personal-care', categories: ['hair', 'oral'], yearlyAmplitude: [0.02, 0.1] },
  { name: 'seasonal', categories: ['garden', 'toys'], yearlyAmplitude: [0.4, 0.7] },
];

export const DEFAULT_HOLIDAYS: HolidaySpec[] = [
  { name: "New Year's Day", date: '01-01', uplift: 0.6, rampDays: 0 },
  { name: "Valentine's Day", date: '02-14', uplift: 1.25, rampDays: 3 },
  { name: 'Independence Day', date: '07-04', uplift: 1.35, rampDays: 3 },
  { name: 'Thanksgiving', nthWeekday: { month: 11, weekday: 4, n: 4 }, uplift: 1.5, rampDays: 6 },
  { name: 'Christmas Eve', date: '12-24', uplift: 1.7, rampDays: 21 },
  { name: 'Christmas Day', date: '12-25', uplift: 0.3, rampDays: 0 },
];

export function defaultConfig(seed = 1): SimulationConfig {
  return {
    stores: 5,
    skus: 50,
    startDate: '2024-01-01',
    days: 730,
    seed,
    source: 'simulator',
    idPrefix: `sim${seed}`,
    currency: 'USD',
    timeZones: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'],
    departments: DEFAULT_DEPARTMENTS,
    weeklyProfile: [0.9, 0.85, 0.9, 0.95, 1.1, 1.3, 1.0],
    trendPerYear: [-0.1, 0.2],
    holidays: DEFAULT_HOLIDAYS,
    slowMoverShare: 0.25,
    slowMoverLevel: [0.05, 0.6],
    fastMoverLevel: { median: 8, logSd: 0.8, max: 120 },
    fastDispersion: [8, 40],
    slowDispersion: [0.4, 1.5],
    newProductShare: 0.1,
    launchRampDays: 28,
    promotions: {
      perYear: 6,
      durationDays: [4, 10],
      discounts: [0.1, 0.15, 0.2, 0.25, 0.3],
      elasticity: [-3.5, -2],
      displayShare: 0.15,
      displayUplift: 1.3,
      leadDays: 14,
    },
    prices: {
      regularPrice: [0.99, 29.99],
      changesPerYear: 2,
      durationDays: [14, 56],
      change: [-0.2, 0.15],
      elasticity: [-2, -0.8],
    },
    inventory: {
      reviewPeriodDays: 7,
      safetyFactor: [1, 1.6],
      smoothing: 0.1,
      shortShipRate: 0.03,
      lateRate: 0.08,
      snapshots: 'daily',
    },
    returnRate: 0.005,
  };
}

function checkRange(name: string, [lo, hi]: [number, number], min = -Infinity, max = Infinity): void {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && lo >= min && hi <= max)) {
    throw new Error(`simulation: ${name} must be a range [lo, hi] within [${min}, ${max}], got [${lo}, ${hi}]`);
  }
}

function checkShare(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new Error(`simulation: ${name} must be in [0, 1], got ${v}`);
}

/** Fills in the defaults and checks the result; throws with the name of the first bad setting. */
export function resolveConfig(options: SimulationOptions = {}): SimulationConfig {
  const base = defaultConfig(options.seed ?? 1);
  const c: SimulationConfig = {
    ...base,
    ...options,
    idPrefix: options.idPrefix ?? `sim${options.seed ?? 1}`,
    promotions: { ...base.promotions, ...options.promotions },
    prices: { ...base.prices, ...options.prices },
    inventory: { ...base.inventory, ...options.inventory },
    fastMoverLevel: { ...base.fastMoverLevel, ...options.fastMoverLevel },
  };
  for (const k of ['stores', 'skus', 'days'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`simulation: ${k} must be a positive integer`);
  }
  if (!Number.isInteger(c.seed)) throw new Error('simulation: seed must be an integer');
  parseIsoDate(c.startDate);
  if (!/^[a-z0-9][a-z0-9._/-]*$/.test(c.source)) throw new Error(`simulation: source ${c.source} is not a source name`);
  if (!/^[A-Za-z0-9._:-]{1,40}$/.test(c.idPrefix)) throw new Error(`simulation: idPrefix ${c.idPrefix} is not usable`);
  if (c.timeZones.length === 0) throw new Error('simulation: timeZones must not be empty');
  if (c.departments.length === 0 || c.departments.some((d) => d.categories.length === 0)) {
    throw new Error('simulation: every department needs at least one category');
  }
  if (c.weeklyProfile.length !== 7 || c.weeklyProfile.some((w) => !(w > 0))) {
    throw new Error('simulation: weeklyProfile needs 7 positive numbers, Monday first');
  }
  for (const h of c.holidays) {
    if (!h.date === !h.nthWeekday)
      throw new Error(`simulation: holiday ${h.name} needs exactly one of date, nthWeekday`);
    if (h.date && !/^\d{2}-\d{2}$/.test(h.date)) throw new Error(`simulation: holiday ${h.name} date must be MM-DD`);
    if (!(h.uplift >= 0) || !(h.rampDays >= 0)) throw new Error(`simulation: holiday ${h.name} uplift/rampDays`);
  }
  checkShare('slowMoverShare', c.slowMoverShare);
  checkShare('newProductShare', c.newProductShare);
  checkShare('returnRate', c.returnRate);
  checkShare('promotions.displayShare', c.promotions.displayShare);
  checkShare('inventory.shortShipRate', c.inventory.shortShipRate);
  checkShare('inventory.lateRate', c.inventory.lateRate);
  checkShare('inventory.smoothing', c.inventory.smoothing);
  checkRange('trendPerYear', c.trendPerYear);
  checkRange('slowMoverLevel', c.slowMoverLevel, 0);
  checkRange('fastDispersion', c.fastDispersion, 0);
  checkRange('slowDispersion', c.slowDispersion, 0);
  checkRange('promotions.durationDays', c.promotions.durationDays, 1);
  checkRange('promotions.elasticity', c.promotions.elasticity);
  checkRange('prices.regularPrice', c.prices.regularPrice, 0.01);
  checkRange('prices.durationDays', c.prices.durationDays, 1);
  checkRange('prices.change', c.prices.change, -0.9, 5);
  checkRange('prices.elasticity', c.prices.elasticity);
  checkRange('inventory.safetyFactor', c.inventory.safetyFactor, 0);
  if (c.promotions.discounts.length === 0 || c.promotions.discounts.some((d) => !(d > 0 && d < 1))) {
    throw new Error('simulation: promotions.discounts must be in (0, 1)');
  }
  if (!(c.promotions.perYear >= 0) || !(c.prices.changesPerYear >= 0)) {
    throw new Error('simulation: promotions.perYear and prices.changesPerYear must not be negative');
  }
  if (!Number.isInteger(c.inventory.reviewPeriodDays) || c.inventory.reviewPeriodDays < 1) {
    throw new Error('simulation: inventory.reviewPeriodDays must be a positive integer');
  }
  return c;
}
