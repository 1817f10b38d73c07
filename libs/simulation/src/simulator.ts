/**
 * The day-by-day simulation: demand from known components, sampled noise, replenishment with
 * stock-outs that censor sales, and the contract events a retail back end would send.
 */
import type {
  InventorySnapshot,
  PriceChanged,
  ProductUpserted,
  PromotionScheduled,
  RetailEvent,
  SaleRecorded,
  StoreUpserted,
} from '@shelfcast/contracts';
import type { Rng } from '@shelfcast/ml';

import { dayInfo, holidayDates, holidayFactors, utcOffset, type HolidayDate } from './calendar';
import { buildCatalog, SALT, type SimProduct, type SimPromotion, type SimSeries, type Catalog } from './catalog';
import { resolveConfig, type SimulationConfig, type SimulationOptions } from './config';
import { negativeBinomial, pickWeighted, poisson, streamRng, uniform, uniformInt } from './sampling';

/** The truth of one store x SKU x day (from the SKU's launch on). */
export interface TruthRow {
  date: string;
  dayIndex: number;
  storeId: string;
  sku: string;
  /** Noiseless expected demand: the product of the components below. */
  expected: number;
  /** Demand drawn around `expected` (negative binomial), before stock limits it. */
  demand: number;
  /** Units sold: the demand the stock could serve (the sale event's quantity; no event when 0). */
  sales: number;
  /** True when demand exceeded the stock: `sales < demand`, the observation is censored. */
  censored: boolean;
  /** Units returned this day (a separate sale event with negative quantity). */
  returns: number;
  /** Stock at the end of the day, and ordered but not yet received. */
  onHand: number;
  onOrder: number;
  /** Shelf price and the regular price. */
  price: number;
  regularPrice: number;
  promotionId: string | null;
  /** Discount depth of the running promotion (0.2 = 20 % off), 0 without a discount. */
  discount: number;
  // Components: expected = level * trend * weekly * yearly * holiday * promoUplift * priceFactor * launch.
  level: number;
  trend: number;
  weekly: number;
  yearly: number;
  holiday: number;
  promoUplift: number;
  /** (price / regular)^elasticity; 1 on discount promotion days (the uplift stands for the discount). */
  priceFactor: number;
  /** Launch ramp of a new product (1 for products present from the start). */
  launch: number;
}

export interface SimulatedDay {
  index: number;
  date: string;
  /** 0 = Monday .. 6 = Sunday. */
  weekday: number;
  events: RetailEvent[];
  truth: TruthRow[];
}

const RETURN_REASONS = ['unwanted', 'defective', 'damaged', 'wrong-item', 'other'] as const;
const RETURN_WEIGHTS = [0.45, 0.2, 0.15, 0.1, 0.1];

interface Order {
  day: number;
  quantity: number;
}

function money(v: number): string {
  return v.toFixed(2);
}

/** Keys of the truth rows, in the CSV's column order. */
export const TRUTH_COLUMNS = [
  'date',
  'dayIndex',
  'storeId',
  'sku',
  'expected',
  'demand',
  'sales',
  'censored',
  'returns',
  'onHand',
  'onOrder',
  'price',
  'regularPrice',
  'promotionId',
  'discount',
  'level',
  'trend',
  'weekly',
  'yearly',
  'holiday',
  'promoUplift',
  'priceFactor',
  'launch',
] as const satisfies ReadonlyArray<keyof TruthRow>;

export const TRUTH_CSV_HEADER = TRUTH_COLUMNS.join(',');

const round6 = (v: number) => String(Math.round(v * 1e6) / 1e6);

/** One truth row as a CSV line (no newline); factors to 6 decimals. */
export function truthToCsv(r: TruthRow): string {
  return [
    r.date,
    r.dayIndex,
    r.storeId,
    r.sku,
    round6(r.expected),
    r.demand,
    r.sales,
    r.censored ? 1 : 0,
    r.returns,
    r.onHand,
    r.onOrder,
    money(r.price),
    money(r.regularPrice),
    r.promotionId ?? '',
    r.discount,
    round6(r.level),
    round6(r.trend),
    round6(r.weekly),
    round6(r.yearly),
    round6(r.holiday),
    round6(r.promoUplift),
    round6(r.priceFactor),
    round6(r.launch),
  ].join(',');
}

/**
 * A seeded synthetic retail chain. The constructor draws the static side (stores, products,
 * series, promotions, price changes); `days()` replays the dynamics from day 0, one day at a time,
 * so memory stays bounded by the number of series, not the number of days. The same seed and
 * options give the same events, ids and truth.
 */
export class RetailSimulation implements Catalog {
  readonly config: SimulationConfig;
  readonly stores: Catalog['stores'];
  readonly products: Catalog['products'];
  readonly series: Catalog['series'];
  /** Holidays falling in (or just after) the range. */
  readonly holidays: HolidayDate[];
  /** Holiday multiplier per day index. */
  readonly holidayFactor: Float64Array;

  constructor(options: SimulationOptions = {}) {
    this.config = resolveConfig(options);
    const catalog = buildCatalog(this.config);
    this.stores = catalog.stores;
    this.products = catalog.products;
    this.series = catalog.series;
    this.holidays = holidayDates(this.config.holidays, this.config.startDate, this.config.days);
    this.holidayFactor = holidayFactors(this.holidays, this.config.startDate, this.config.days);
  }

  /** Yearly seasonal factor of a product on a day of the year. */
  yearlyFactor(product: SimProduct, dayOfYear: number): number {
    return 1 + product.yearlyAmplitude * Math.cos((2 * Math.PI * (dayOfYear - product.yearlyPeakDay)) / 365.25);
  }

  /** Launch ramp of a product on a day index (0 before its launch). */
  launchFactor(product: SimProduct, day: number): number {
    if (product.launchDay === null) return 1;
    if (day < product.launchDay) return 0;
    return 1 - Math.exp((-3 * (day - product.launchDay + 1)) / this.config.launchRampDays);
  }

  /** Shelf price of a product on a day without a discount promotion (temporary changes included). */
  shelfPrice(product: SimProduct, day: number): number {
    for (const e of product.priceEpisodes) if (e.start <= day && day <= e.end) return e.price;
    return product.regularPrice;
  }

  /** Every event, in order: master data first, then day by day. */
  *events(): Generator<RetailEvent> {
    for (const day of this.days()) yield* day.events;
  }

  /** Every truth row, day by day, store-major within a day. */
  *truth(): Generator<TruthRow> {
    for (const day of this.days()) yield* day.truth;
  }

  /** The simulation, one day at a time (day 0 also carries the store and product master data). */
  *days(): Generator<SimulatedDay> {
    const c = this.config;
    const n = this.series.length;
    const R = c.inventory.reviewPeriodDays;
    const alpha = c.inventory.smoothing;
    const prefix = c.idPrefix;
    const source = c.source;
    const currency = c.currency;

    const rngs: Rng[] = this.series.map((s) => streamRng(c.seed, SALT.daily, s.store.index, s.product.index));
    const onHand = new Float64Array(n);
    const onOrder = new Float64Array(n);
    const ema = new Float64Array(n);
    const lastPrice = new Float64Array(n).fill(NaN);
    const lastSnapOnHand = new Float64Array(n).fill(NaN);
    const lastSnapOnOrder = new Float64Array(n).fill(NaN);
    const promoPtr = new Int32Array(n);
    const announcePtr = new Int32Array(n);
    const pipeline: Order[][] = this.series.map(() => []);
    const started = new Uint8Array(n);
    const episodePtr = new Int32Array(this.products.length);
    const dayPrice = new Float64Array(this.products.length);
    const dayPriceFactor = new Float64Array(this.products.length);
    const dayYearly = new Float64Array(this.products.length);
    const dayLaunch = new Float64Array(this.products.length);

    for (let t = 0; t < c.days; t++) {
      const info = dayInfo(c.startDate, t);
      const date = info.date;
      const events: RetailEvent[] = [];
      const truth: TruthRow[] = [];

      const offsets = new Map<string, string>();
      const offsetOf = (tz: string): string => {
        let o = offsets.get(tz);
        if (o === undefined) {
          o = utcOffset(tz, date);
          offsets.set(tz, o);
        }
        return o;
      };

      if (t === 0) {
        for (const s of this.stores) {
          const e: StoreUpserted = {
            id: `${prefix}-store-${s.storeId}`,
            type: 'shelfcast.store.upserted.v1',
            source,
            time: `${date}T00:00:00${offsetOf(s.timeZone)}`,
            data: {
              storeId: s.storeId,
              name: s.name,
              region: s.region,
              timeZone: s.timeZone,
              format: s.format,
              sizeSqft: s.sizeSqft,
            },
          };
          events.push(e);
        }
        for (const p of this.products) {
          const e: ProductUpserted = {
            id: `${prefix}-product-${p.sku}`,
            type: 'shelfcast.product.upserted.v1',
            source,
            time: `${date}T00:00:00Z`,
            data: {
              sku: p.sku,
              name: p.name,
              category: p.category,
              department: p.department,
              ...(p.launchDate ? { launchDate: p.launchDate } : {}),
              casePack: p.casePack,
              leadTimeDays: p.leadTimeDays,
            },
          };
          events.push(e);
        }
      }

      // Per product: shelf price without promotions, its demand factor, yearly season, launch ramp.
      for (const p of this.products) {
        let ptr = episodePtr[p.index];
        const eps = p.priceEpisodes;
        while (ptr < eps.length && eps[ptr].end < t) ptr++;
        episodePtr[p.index] = ptr;
        const price = ptr < eps.length && eps[ptr].start <= t ? eps[ptr].price : p.regularPrice;
        dayPrice[p.index] = price;
        dayPriceFactor[p.index] = price === p.regularPrice ? 1 : Math.pow(price / p.regularPrice, p.elasticity);
        dayYearly[p.index] = this.yearlyFactor(p, info.dayOfYear);
        dayLaunch[p.index] = this.launchFactor(p, t);
      }
      const holiday = this.holidayFactor[t];

      for (let i = 0; i < n; i++) {
        const s = this.series[i];
        const p = s.product;
        const store = s.store;

        // Promotions are announced ahead, also for products not launched yet.
        const promos = s.promotions;
        while (announcePtr[i] < promos.length && promos[announcePtr[i]].announceDay <= t) {
          const pr = promos[announcePtr[i]++];
          const e: PromotionScheduled = {
            id: `${prefix}-promo-${store.storeId}-${p.sku}-${announcePtr[i]}`,
            type: 'shelfcast.promotion.scheduled.v1',
            source,
            time: `${date}T08:00:00${offsetOf(store.timeZone)}`,
            data: {
              promotionId: pr.promotionId,
              storeId: store.storeId,
              sku: p.sku,
              startDate: pr.startDate,
              endDate: pr.endDate,
              kind: pr.kind,
              ...(pr.kind === 'discount' ? { discountPercent: Math.round(pr.discount * 1000) / 10 } : {}),
            },
          };
          events.push(e);
        }

        if (p.launchDay !== null && t < p.launchDay) continue;
        const rng = rngs[i];
        const offset = offsetOf(store.timeZone);

        while (promoPtr[i] < promos.length && promos[promoPtr[i]].end < t) promoPtr[i]++;
        const promo: SimPromotion | undefined =
          promoPtr[i] < promos.length && promos[promoPtr[i]].start <= t ? promos[promoPtr[i]] : undefined;
        const discounted = promo !== undefined && promo.kind === 'discount';
        const price = discounted ? Math.round(p.regularPrice * (1 - promo.discount) * 100) / 100 : dayPrice[p.index];
        const priceFactor = discounted ? 1 : dayPriceFactor[p.index];
        const promoUplift = promo ? promo.uplift : 1;

        const trend = Math.exp((s.trendPerYear * t) / 365);
        const weekly = p.weekly[info.weekday];
        const yearly = dayYearly[p.index];
        const launch = dayLaunch[p.index];
        const expected = s.level * trend * weekly * yearly * holiday * promoUplift * priceFactor * launch;

        if (!started[i]) {
          started[i] = 1;
          // The replenishment system's opening estimate: right for existing products, a guess for new ones.
          ema[i] =
            p.launchDay === null ? s.level * trend * yearly : s.level * uniform(rng, 0.3, 1) * Math.max(launch, 0.5);
          onHand[i] = this.orderUpTo(s, t, ema[i], promoPtr[i]);
        }

        // Deliveries arrive in the morning.
        const orders = pipeline[i];
        let arrived = 0;
        while (arrived < orders.length && orders[arrived].day <= t) {
          onHand[i] += orders[arrived].quantity;
          onOrder[i] -= orders[arrived].quantity;
          arrived++;
        }
        if (arrived > 0) orders.splice(0, arrived);

        const demand = negativeBinomial(rng, expected, p.dispersion);
        const available = onHand[i];
        const sales = demand < available ? demand : available;
        const censored = demand > available;
        onHand[i] = available - sales;
        let returns = 0;
        if (sales > 0 && c.returnRate > 0) {
          returns = poisson(rng, sales * c.returnRate);
          if (returns > sales) returns = sales;
        }

        // The system learns from what it sold (censored sales bias it low after stock-outs).
        const planned = promoUplift * priceFactor;
        ema[i] = (1 - alpha) * ema[i] + alpha * (sales / planned);

        if ((t - s.reviewOffset) % R === 0) {
          const target = this.orderUpTo(s, t + 1, ema[i], promoPtr[i]);
          const position = onHand[i] + onOrder[i];
          if (position < target) {
            const quantity = Math.ceil((target - position) / p.casePack) * p.casePack;
            let arrive = t + p.leadTimeDays;
            if (rng.next() < c.inventory.lateRate) arrive += uniformInt(rng, 1, Math.floor(p.leadTimeDays / 2) + 1);
            const shipped =
              rng.next() < c.inventory.shortShipRate
                ? Math.floor((quantity * uniform(rng, 0, 0.5)) / p.casePack) * p.casePack
                : quantity;
            if (shipped > 0) {
              onOrder[i] += shipped;
              orders.push({ day: arrive, quantity: shipped });
              orders.sort((a, b) => a.day - b.day);
            }
          }
        }

        if (price !== lastPrice[i]) {
          lastPrice[i] = price;
          const time = `${date}T06:00:00${offset}`;
          const e: PriceChanged = {
            id: `${prefix}-price-${store.storeId}-${p.sku}-${date}`,
            type: 'shelfcast.price.changed.v1',
            source,
            time,
            data: {
              storeId: store.storeId,
              sku: p.sku,
              price: money(price),
              regularPrice: money(p.regularPrice),
              currency,
              effectiveFrom: time,
            },
          };
          events.push(e);
        }
        if (sales > 0) {
          const e: SaleRecorded = {
            id: `${prefix}-sale-${store.storeId}-${p.sku}-${date}`,
            type: 'shelfcast.sale.recorded.v1',
            source,
            time: `${date}T20:00:00${offset}`,
            data: {
              storeId: store.storeId,
              sku: p.sku,
              quantity: sales,
              unitPrice: money(price),
              currency,
              channel: 'store',
            },
          };
          events.push(e);
        }
        if (returns > 0) {
          const e: SaleRecorded = {
            id: `${prefix}-return-${store.storeId}-${p.sku}-${date}`,
            type: 'shelfcast.sale.recorded.v1',
            source,
            time: `${date}T20:30:00${offset}`,
            data: {
              storeId: store.storeId,
              sku: p.sku,
              quantity: -returns,
              unitPrice: money(price),
              currency,
              returnReason: RETURN_REASONS[pickWeighted(rng, RETURN_WEIGHTS)],
              channel: 'store',
            },
          };
          events.push(e);
        }
        const snapshots = c.inventory.snapshots;
        if (
          snapshots === 'daily' ||
          (snapshots === 'on-change' && (onHand[i] !== lastSnapOnHand[i] || onOrder[i] !== lastSnapOnOrder[i]))
        ) {
          lastSnapOnHand[i] = onHand[i];
          lastSnapOnOrder[i] = onOrder[i];
          const e: InventorySnapshot = {
            id: `${prefix}-inv-${store.storeId}-${p.sku}-${date}`,
            type: 'shelfcast.inventory.snapshot.v1',
            source,
            time: `${date}T22:00:00${offset}`,
            data: { storeId: store.storeId, sku: p.sku, onHand: onHand[i], onOrder: onOrder[i] },
          };
          events.push(e);
        }

        truth.push({
          date,
          dayIndex: t,
          storeId: store.storeId,
          sku: p.sku,
          expected,
          demand,
          sales,
          censored,
          returns,
          onHand: onHand[i],
          onOrder: onOrder[i],
          price,
          regularPrice: p.regularPrice,
          promotionId: promo ? promo.promotionId : null,
          discount: discounted ? promo.discount : 0,
          level: s.level,
          trend,
          weekly,
          yearly,
          holiday,
          promoUplift,
          priceFactor,
          launch,
        });
      }

      yield { index: t, date, weekday: info.weekday, events, truth };
    }
  }

  /**
   * The replenishment system's order-up-to level from day `from`: its demand estimate times the
   * known plan (promotion uplifts and price factors) over lead time plus review period, times the
   * series' safety factor; at least one unit.
   */
  private orderUpTo(s: SimSeries, from: number, estimate: number, promoFrom: number): number {
    const p = s.product;
    const horizon = p.leadTimeDays + this.config.inventory.reviewPeriodDays;
    let plan = 0;
    let ptr = promoFrom;
    for (let u = from; u < from + horizon; u++) {
      while (ptr < s.promotions.length && s.promotions[ptr].end < u) ptr++;
      const promo = ptr < s.promotions.length && s.promotions[ptr].start <= u ? s.promotions[ptr] : undefined;
      let m = promo ? promo.uplift : 1;
      if (!promo || promo.kind !== 'discount') {
        const price = this.shelfPrice(p, u);
        if (price !== p.regularPrice) m *= Math.pow(price / p.regularPrice, p.elasticity);
      }
      plan += m;
    }
    return Math.max(1, Math.ceil(estimate * plan * s.safetyFactor));
  }
}

/** Shorthand for `new RetailSimulation(options)`. */
export function simulateRetail(options: SimulationOptions = {}): RetailSimulation {
  return new RetailSimulation(options);
}
