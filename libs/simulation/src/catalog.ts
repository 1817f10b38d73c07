/**
 * The static side of a simulation, drawn once from the seed: stores, products, each store x SKU
 * series with its demand parameters, promotions and shelf-price changes.
 */
import { addDays } from '@shelfcast/ml';

import type { SimulationConfig } from './config';
import { exponential, pick, pickWeighted, streamRng, uniform, uniformInt } from './sampling';

/** Seed salts: one independent stream per purpose, so adding stores does not reshuffle products. */
export const SALT = { store: 1, category: 2, product: 3, series: 4, promotions: 5, prices: 6, daily: 7 } as const;

export interface SimStore {
  index: number;
  storeId: string;
  name: string;
  region: string;
  timeZone: string;
  format: 'supercenter' | 'neighborhood' | 'express';
  sizeSqft: number;
  /** Demand multiplier of the store (from its size). */
  factor: number;
}

export interface PriceEpisode {
  /** First and last day index (inclusive) of the temporary shelf price. */
  start: number;
  end: number;
  price: number;
}

export interface SimProduct {
  index: number;
  sku: string;
  name: string;
  department: string;
  category: string;
  casePack: number;
  leadTimeDays: number;
  regularPrice: number;
  /** Price elasticity: demand x (price / regular)^elasticity. */
  elasticity: number;
  /** Promotional elasticity: a discount d lifts demand by (1 - d)^promoElasticity. */
  promoElasticity: number;
  slowMover: boolean;
  /** Mean units per day in a store of factor 1, before seasonality and trend. */
  level: number;
  /** Negative-binomial size of its daily demand. */
  dispersion: number;
  trendPerYear: number;
  /** Weekday factors, Monday first, mean 1. */
  weekly: number[];
  yearlyAmplitude: number;
  /** Day of the year of the yearly peak. */
  yearlyPeakDay: number;
  /** Day index of the launch for new products (demand ramps up from there), otherwise null. */
  launchDay: number | null;
  launchDate?: string;
  priceEpisodes: PriceEpisode[];
}

export interface SimPromotion {
  promotionId: string;
  kind: 'discount' | 'display';
  /** First and last day index, inclusive. */
  start: number;
  end: number;
  startDate: string;
  endDate: string;
  /** Discount depth (0.2 = 20 % off); 0 for displays. */
  discount: number;
  /** Demand multiplier while it runs. */
  uplift: number;
  /** Day index on which the promotion-scheduled event is sent. */
  announceDay: number;
}

export interface SimSeries {
  index: number;
  store: SimStore;
  product: SimProduct;
  /** Mean units per day before seasonality, trend, holidays, prices, promotions, launch ramp. */
  level: number;
  trendPerYear: number;
  promotions: SimPromotion[];
  /** Replenishment: safety multiplier and the weekday offset of its review. */
  safetyFactor: number;
  reviewOffset: number;
}

export interface Catalog {
  stores: SimStore[];
  products: SimProduct[];
  /** Store-major: series `s * skus + k` is store `s`, product `k`. */
  series: SimSeries[];
}

const FORMATS = [
  { format: 'supercenter', size: [150_000, 220_000] },
  { format: 'neighborhood', size: [40_000, 90_000] },
  { format: 'express', size: [10_000, 25_000] },
] as const;
const REGIONS: Record<string, string> = {
  'America/New_York': 'east',
  'America/Chicago': 'central',
  'America/Denver': 'mountain',
  'America/Los_Angeles': 'west',
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function roundPrice(p: number): number {
  return Math.max(0.01, Math.round(p * 100) / 100);
}

export function buildCatalog(c: SimulationConfig): Catalog {
  const storeWidth = Math.max(3, String(c.stores).length);
  const skuWidth = Math.max(4, String(c.skus).length);

  const stores: SimStore[] = [];
  for (let s = 0; s < c.stores; s++) {
    const rng = streamRng(c.seed, SALT.store, s);
    const f = FORMATS[pickWeighted(rng, [0.5, 0.35, 0.15])];
    const sizeSqft = uniformInt(rng, f.size[0], f.size[1]);
    const timeZone = c.timeZones[s % c.timeZones.length];
    stores.push({
      index: s,
      storeId: `S${pad(s + 1, storeWidth)}`,
      name: `Store ${s + 1}`,
      region: REGIONS[timeZone] ?? (timeZone.split('/').pop() ?? timeZone).toLowerCase().slice(0, 64),
      timeZone,
      format: f.format,
      sizeSqft,
      factor: Math.sqrt(sizeSqft / 90_000),
    });
  }

  // Categories: a yearly peak and amplitude each, weekday profiles per department.
  const categories: Array<{ department: string; category: string; amplitude: number; peak: number; weekly: number[] }> =
    [];
  c.departments.forEach((d, di) => {
    const drng = streamRng(c.seed, SALT.category, 1000 + di);
    const strength = uniform(drng, 0.6, 1.4);
    const raw = c.weeklyProfile.map((w) => Math.pow(w, strength));
    const mean = raw.reduce((a, b) => a + b, 0) / 7;
    const weekly = raw.map((w) => w / mean);
    d.categories.forEach((category, ci) => {
      const rng = streamRng(c.seed, SALT.category, di, ci);
      categories.push({
        department: d.name,
        category,
        amplitude: uniform(rng, d.yearlyAmplitude[0], d.yearlyAmplitude[1]),
        peak: uniformInt(rng, 1, 365),
        weekly,
      });
    });
  });

  const products: SimProduct[] = [];
  for (let k = 0; k < c.skus; k++) {
    const rng = streamRng(c.seed, SALT.product, k);
    const cat = categories[k % categories.length];
    const slowMover = rng.next() < c.slowMoverShare;
    const level = slowMover
      ? uniform(rng, c.slowMoverLevel[0], c.slowMoverLevel[1])
      : Math.min(c.fastMoverLevel.max, c.fastMoverLevel.median * Math.exp(c.fastMoverLevel.logSd * rng.normal()));
    const dispersion = slowMover
      ? uniform(rng, c.slowDispersion[0], c.slowDispersion[1])
      : uniform(rng, c.fastDispersion[0], c.fastDispersion[1]);
    const isNew = rng.next() < c.newProductShare && c.days >= 30;
    const launchDay = isNew ? uniformInt(rng, Math.floor(c.days * 0.1), Math.floor(c.days * 0.7)) : null;
    const regularPrice = Math.floor(uniform(rng, c.prices.regularPrice[0], c.prices.regularPrice[1])) + 0.99;
    const casePack = slowMover ? pick(rng, [1, 1, 2]) : level > 20 ? pick(rng, [12, 24]) : pick(rng, [4, 6, 12]);
    const product: SimProduct = {
      index: k,
      sku: `SKU${pad(k + 1, skuWidth)}`,
      name: `${cat.category} item ${k + 1}`,
      department: cat.department,
      category: cat.category,
      casePack,
      leadTimeDays: uniformInt(rng, 2, 10),
      regularPrice: roundPrice(Math.min(regularPrice, c.prices.regularPrice[1])),
      elasticity: uniform(rng, c.prices.elasticity[0], c.prices.elasticity[1]),
      promoElasticity: uniform(rng, c.promotions.elasticity[0], c.promotions.elasticity[1]),
      slowMover,
      level,
      dispersion,
      trendPerYear: uniform(rng, c.trendPerYear[0], c.trendPerYear[1]),
      weekly: cat.weekly,
      yearlyAmplitude: cat.amplitude,
      yearlyPeakDay: cat.peak,
      launchDay,
      launchDate: launchDay === null ? undefined : addDays(c.startDate, launchDay),
      priceEpisodes: [],
    };
    product.priceEpisodes = priceEpisodes(c, product);
    products.push(product);
  }

  const series: SimSeries[] = [];
  for (const store of stores) {
    for (const product of products) {
      const index = store.index * c.skus + product.index;
      const rng = streamRng(c.seed, SALT.series, store.index, product.index);
      const s: SimSeries = {
        index,
        store,
        product,
        level: product.level * store.factor * Math.exp(0.15 * rng.normal()),
        trendPerYear: product.trendPerYear + 0.02 * rng.normal(),
        promotions: [],
        safetyFactor: uniform(rng, c.inventory.safetyFactor[0], c.inventory.safetyFactor[1]),
        reviewOffset: rng.int(c.inventory.reviewPeriodDays),
      };
      s.promotions = promotions(c, s);
      series.push(s);
    }
  }
  return { stores, products, series };
}

/** Temporary chain-wide shelf-price changes of a product, non-overlapping, sorted. */
function priceEpisodes(c: SimulationConfig, p: SimProduct): PriceEpisode[] {
  const out: PriceEpisode[] = [];
  if (c.prices.changesPerYear <= 0) return out;
  const rng = streamRng(c.seed, SALT.prices, p.index);
  let t = (p.launchDay ?? 0) + Math.floor(exponential(rng, 365 / c.prices.changesPerYear));
  while (t < c.days) {
    const length = uniformInt(rng, c.prices.durationDays[0], c.prices.durationDays[1]);
    let change = uniform(rng, c.prices.change[0], c.prices.change[1]);
    if (Math.abs(change) < 0.03) change = change < 0 ? -0.03 : 0.03;
    const price = roundPrice(p.regularPrice * (1 + change));
    if (price !== p.regularPrice) out.push({ start: t, end: t + length - 1, price });
    t += length + 7 + Math.floor(exponential(rng, 365 / c.prices.changesPerYear));
  }
  return out;
}

/** Promotions of a store x SKU, non-overlapping, sorted, announced `leadDays` ahead. */
function promotions(c: SimulationConfig, s: SimSeries): SimPromotion[] {
  const out: SimPromotion[] = [];
  const p = c.promotions;
  if (p.perYear <= 0) return out;
  const rng = streamRng(c.seed, SALT.promotions, s.store.index, s.product.index);
  const from = (s.product.launchDay ?? 0) + (s.product.launchDay === null ? 0 : c.launchRampDays);
  let t = from + Math.floor(exponential(rng, 365 / p.perYear));
  let n = 0;
  while (t < c.days) {
    const length = uniformInt(rng, p.durationDays[0], p.durationDays[1]);
    const display = rng.next() < p.displayShare;
    const discount = display ? 0 : pick(rng, p.discounts);
    n++;
    out.push({
      promotionId: `${c.idPrefix}-${s.store.storeId}-${s.product.sku}-p${n}`,
      kind: display ? 'display' : 'discount',
      start: t,
      end: t + length - 1,
      startDate: addDays(c.startDate, t),
      endDate: addDays(c.startDate, t + length - 1),
      discount,
      uplift: display ? p.displayUplift : Math.pow(1 - discount, s.product.promoElasticity),
      announceDay: Math.max(0, t - p.leadDays),
    });
    t += length + 7 + Math.floor(exponential(rng, 365 / p.perYear));
  }
  return out;
}
