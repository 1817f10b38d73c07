import { createHash } from 'node:crypto';

import { RetailEvent, type SaleRecorded } from '@shelfcast/contracts';
import { createRng } from '@shelfcast/ml';

import {
  holidayDates,
  holidayFactors,
  negativeBinomial,
  poisson,
  RetailSimulation,
  resolveConfig,
  TRUTH_CSV_HEADER,
  truthToCsv,
  type TruthRow,
  utcOffset,
} from './index';

function digest(sim: RetailSimulation): string {
  const h = createHash('sha256');
  for (const day of sim.days()) {
    for (const e of day.events) h.update(JSON.stringify(e));
    for (const r of day.truth) h.update(truthToCsv(r));
  }
  return h.digest('hex');
}

const small = { stores: 2, skus: 12, days: 120, startDate: '2024-01-01' };

describe('RetailSimulation', () => {
  it('is deterministic by seed, and replays the same from each days() call', () => {
    const a = new RetailSimulation({ ...small, seed: 7 });
    const first = digest(a);
    expect(digest(a)).toBe(first);
    expect(digest(new RetailSimulation({ ...small, seed: 7 }))).toBe(first);
    expect(digest(new RetailSimulation({ ...small, seed: 8 }))).not.toBe(first);
  });

  it('emits events that parse with the contracts, unique ids, the configured source, times with an offset', () => {
    const sim = new RetailSimulation({ ...small, seed: 3, source: 'acme-pos', returnRate: 0.05 });
    const ids = new Set<string>();
    const types = new Map<string, number>();
    const problems: string[] = [];
    for (const e of sim.events()) {
      const parsed = RetailEvent.safeParse(e);
      if (!parsed.success) problems.push(`${JSON.stringify(e)}: ${parsed.error.message}`);
      if (e.source !== 'acme-pos' || !e.id.startsWith('sim3-')) problems.push(`source or id of ${e.id}`);
      if (!/(Z|[+-]\d{2}:\d{2})$/.test(e.time)) problems.push(`time of ${e.id}: ${e.time}`);
      if (ids.has(e.id)) problems.push(`duplicate id ${e.id}`);
      ids.add(e.id);
      types.set(e.type, (types.get(e.type) ?? 0) + 1);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(types.get('shelfcast.store.upserted.v1')).toBe(2);
    expect(types.get('shelfcast.product.upserted.v1')).toBe(12);
    for (const t of ['shelfcast.sale.recorded.v1', 'shelfcast.price.changed.v1', 'shelfcast.inventory.snapshot.v1']) {
      expect(types.get(t)).toBeGreaterThan(0);
    }
    expect(types.get('shelfcast.promotion.scheduled.v1')).toBeGreaterThan(0);
  });

  it('sends one sale per store x SKU x day with units sold, and returns with negative quantity and a reason', () => {
    const sim = new RetailSimulation({ ...small, seed: 4, returnRate: 0.05 });
    const truth = new Map<string, TruthRow>();
    const sales: SaleRecorded[] = [];
    for (const day of sim.days()) {
      for (const r of day.truth) truth.set(`${r.storeId}|${r.sku}|${r.date}`, r);
      for (const e of day.events) if (e.type === 'shelfcast.sale.recorded.v1') sales.push(e);
    }
    const returns = sales.filter((e) => e.data.quantity < 0);
    expect(returns.length).toBeGreaterThan(10);
    for (const e of returns) {
      expect(e.data.returnReason).toBeDefined();
      expect(e.id).toContain('-return-');
      const r = truth.get(`${e.data.storeId}|${e.data.sku}|${e.time.slice(0, 10)}`)!;
      expect(-e.data.quantity).toBe(r.returns);
      expect(r.returns).toBeLessThanOrEqual(r.sales);
    }
    const positive = sales.filter((e) => e.data.quantity > 0);
    expect(positive.length).toBe([...truth.values()].filter((r) => r.sales > 0).length);
    for (const e of positive) {
      expect(e.data.returnReason).toBeUndefined();
      const r = truth.get(`${e.data.storeId}|${e.data.sku}|${e.time.slice(0, 10)}`)!;
      expect(e.data.quantity).toBe(r.sales);
      expect(e.data.unitPrice).toBe(r.price.toFixed(2));
    }
  });

  it('shows the weekly seasonality in the mean sales by weekday', () => {
    const sim = new RetailSimulation({
      stores: 3,
      skus: 20,
      days: 364,
      seed: 11,
      weeklyProfile: [0.8, 0.8, 0.9, 1, 1.1, 1.6, 0.8],
      departments: [{ name: 'grocery', categories: ['dairy', 'snacks'], yearlyAmplitude: [0, 0] }],
      holidays: [],
      slowMoverShare: 0,
      newProductShare: 0,
      promotions: { perYear: 0 },
      prices: { changesPerYear: 0 },
      trendPerYear: [0, 0],
      inventory: { safetyFactor: [3, 3] },
    });
    const sum = new Float64Array(7);
    const weekly = sim.products[0].weekly;
    for (const day of sim.days()) for (const r of day.truth) sum[day.weekday] += r.sales;
    const mean = sum.reduce((a, b) => a + b, 0) / 7;
    // Saturday (5) is the peak, and every weekday's share matches its factor within 5 %.
    expect(sum.indexOf(Math.max(...sum))).toBe(5);
    for (let w = 0; w < 7; w++) expect(sum[w] / mean / weekly[w]).toBeCloseTo(1, 1);
    expect(Math.abs(sum[5] / mean / weekly[5] - 1)).toBeLessThan(0.05);
  });

  it('raises sales on promotion days by about the configured uplift', () => {
    const sim = new RetailSimulation({
      stores: 3,
      skus: 20,
      days: 365,
      seed: 5,
      slowMoverShare: 0,
      newProductShare: 0,
      promotions: { perYear: 10, discounts: [0.2], elasticity: [-3, -3], displayShare: 0 },
      inventory: { safetyFactor: [2, 2] },
    });
    const uplift = Math.pow(0.8, -3); // 1.95
    const bySeries = new Map<string, TruthRow[]>();
    let promoSales = 0;
    let promoBaseline = 0;
    let promoDays = 0;
    for (const r of sim.truth()) {
      const key = `${r.storeId}|${r.sku}`;
      if (!bySeries.has(key)) bySeries.set(key, []);
      bySeries.get(key)!.push(r);
      if (r.promotionId) {
        promoDays++;
        expect(r.promoUplift).toBeCloseTo(uplift, 10);
        expect(r.priceFactor).toBe(1);
        expect(r.price).toBeCloseTo(r.regularPrice * 0.8, 2);
        promoSales += r.sales;
        promoBaseline += r.expected / r.promoUplift;
      }
    }
    expect(promoDays).toBeGreaterThan(1000);
    expect(promoSales / promoBaseline).toBeGreaterThan(uplift * 0.92);
    expect(promoSales / promoBaseline).toBeLessThan(uplift * 1.08);

    // Without the truth's components: promotion days against the same weekday one week before and after.
    let on = 0;
    let off = 0;
    for (const rows of bySeries.values()) {
      for (let t = 7; t < rows.length - 7; t++) {
        const [before, now, after] = [rows[t - 7], rows[t], rows[t + 7]];
        if (now.promotionId && !before.promotionId && !after.promotionId) {
          on += now.sales;
          off += (before.sales + after.sales) / 2;
        }
      }
    }
    expect(on / off).toBeGreaterThan(uplift * 0.8);
    expect(on / off).toBeLessThan(uplift * 1.2);
  });

  it('censors sales on stock-out days, and the inventory snapshots show the empty shelf', () => {
    const sim = new RetailSimulation({ ...small, days: 240, seed: 9, inventory: { safetyFactor: [0.7, 1] } });
    let censored = 0;
    let rows = 0;
    const problems: string[] = [];
    for (const day of sim.days()) {
      const snapshots = new Map<string, number>();
      for (const e of day.events) {
        if (e.type === 'shelfcast.inventory.snapshot.v1')
          snapshots.set(`${e.data.storeId}|${e.data.sku}`, e.data.onHand);
      }
      for (const r of day.truth) {
        rows++;
        if (r.sales > r.demand) problems.push(`${r.storeId}|${r.sku}|${r.date}: sales above demand`);
        if (snapshots.get(`${r.storeId}|${r.sku}`) !== r.onHand)
          problems.push(`${r.storeId}|${r.sku}|${r.date}: snapshot`);
        if (r.censored) {
          censored++;
          if (!(r.sales < r.demand && r.onHand === 0)) problems.push(`${r.storeId}|${r.sku}|${r.date}: censored`);
        } else if (r.sales !== r.demand) {
          problems.push(`${r.storeId}|${r.sku}|${r.date}: uncensored sales differ from demand`);
        }
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(censored / rows).toBeGreaterThan(0.01);
    expect(censored / rows).toBeLessThan(0.5);
  });

  it('has intermittent slow movers with many zero days', () => {
    const sim = new RetailSimulation({ ...small, seed: 2, slowMoverShare: 0.5 });
    const slow = new Set(sim.products.filter((p) => p.slowMover).map((p) => p.sku));
    expect(slow.size).toBeGreaterThan(0);
    let zeros = 0;
    let n = 0;
    for (const r of sim.truth()) {
      if (!slow.has(r.sku)) continue;
      n++;
      if (r.sales === 0) zeros++;
    }
    expect(zeros / n).toBeGreaterThan(0.5);
  });

  it('launches new products mid-range with a ramp, and no sales before', () => {
    const sim = new RetailSimulation({ ...small, days: 200, seed: 6, newProductShare: 0.5 });
    const launched = sim.products.filter((p) => p.launchDay !== null);
    expect(launched.length).toBeGreaterThan(0);
    const p = launched[0];
    const first = new Map<string, TruthRow>();
    for (const day of sim.days()) {
      for (const e of day.events) {
        if (e.type === 'shelfcast.product.upserted.v1' && e.data.sku === p.sku) {
          expect(e.data.launchDate).toBe(p.launchDate);
        }
        if (e.type === 'shelfcast.sale.recorded.v1' && e.data.sku === p.sku) {
          expect(day.index).toBeGreaterThanOrEqual(p.launchDay!);
        }
      }
      for (const r of day.truth) if (r.sku === p.sku && !first.has(r.storeId)) first.set(r.storeId, r);
    }
    for (const r of first.values()) {
      expect(r.dayIndex).toBe(p.launchDay);
      expect(r.launch).toBeLessThan(0.2);
    }
    expect(sim.launchFactor(p, p.launchDay! + sim.config.launchRampDays)).toBeGreaterThan(0.94);
  });

  it('writes truth as CSV with a fixed header', () => {
    const sim = new RetailSimulation({ ...small, days: 3 });
    const row = sim.truth().next().value as TruthRow;
    expect(truthToCsv(row).split(',')).toHaveLength(TRUTH_CSV_HEADER.split(',').length);
  });

  it('rejects bad settings by name', () => {
    expect(() => resolveConfig({ stores: 0 })).toThrow(/stores/);
    expect(() => resolveConfig({ source: 'Bad Source' })).toThrow(/source/);
    expect(() => resolveConfig({ promotions: { discounts: [1.5] } })).toThrow(/discounts/);
  });
});

describe('calendar', () => {
  it('places rule-based holidays and ramps into them', () => {
    const dates = holidayDates(
      [
        { name: 'Thanksgiving', nthWeekday: { month: 11, weekday: 4, n: 4 }, uplift: 1.5, rampDays: 2 },
        { name: 'Memorial Day', nthWeekday: { month: 5, weekday: 1, n: -1 }, uplift: 1.2, rampDays: 0 },
      ],
      '2024-01-01',
      366,
    );
    expect(dates.filter((d) => d.date.startsWith('2024')).map((d) => d.date)).toEqual(['2024-05-27', '2024-11-28']);
    const f = holidayFactors(dates, '2024-11-25', 5);
    expect(Array.from(f).map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 1.167, 1.333, 1.5, 1]);
  });

  it('gives the offset of the day in the zone', () => {
    expect(utcOffset('America/Chicago', '2024-01-15')).toBe('-06:00');
    expect(utcOffset('America/Chicago', '2024-07-15')).toBe('-05:00');
    expect(utcOffset('UTC', '2024-07-15')).toBe('Z');
  });
});

describe('sampling', () => {
  it('draws Poisson and negative-binomial counts with the right mean and variance', () => {
    const rng = createRng(42);
    for (const [lambda, r] of [
      [3, Infinity],
      [40, Infinity],
      [5, 2],
    ]) {
      const n = 20000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = Number.isFinite(r) ? negativeBinomial(rng, lambda, r) : poisson(rng, lambda);
        s += x;
        s2 += x * x;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      const expectedVar = lambda + (Number.isFinite(r) ? (lambda * lambda) / r : 0);
      expect(Math.abs(mean / lambda - 1)).toBeLessThan(0.03);
      expect(Math.abs(variance / expectedVar - 1)).toBeLessThan(0.08);
    }
  });
});
