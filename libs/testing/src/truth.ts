import type { RetailEvent } from '@shelfcast/contracts';

export interface DailyTruth {
  units: number;
  /** Net sales in whole cents (prices have at most 2 decimals in the generated data). */
  cents: number;
  onHandMin: number | null;
}

/**
 * The per store x SKU x business-day aggregates of events, computed straight from them (each
 * `source` + `id` once, the business day being the date of `time` as written): what the feature
 * store's aggregates must equal. Keyed `storeId|sku|YYYY-MM-DD`.
 */
export function dailyTruth(events: Iterable<RetailEvent>): Map<string, DailyTruth> {
  const out = new Map<string, DailyTruth>();
  const seen = new Set<string>();
  for (const e of events) {
    const id = `${e.source}|${e.id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (e.type !== 'shelfcast.sale.recorded.v1' && e.type !== 'shelfcast.inventory.snapshot.v1') continue;
    const key = `${e.data.storeId}|${e.data.sku}|${e.time.slice(0, 10)}`;
    const row = out.get(key) ?? { units: 0, cents: 0, onHandMin: null };
    if (e.type === 'shelfcast.sale.recorded.v1') {
      row.units += e.data.quantity;
      row.cents += e.data.quantity * Math.round(Number(e.data.unitPrice) * 100);
    } else {
      row.onHandMin = row.onHandMin === null ? e.data.onHand : Math.min(row.onHandMin, e.data.onHand);
    }
    out.set(key, row);
  }
  return out;
}
