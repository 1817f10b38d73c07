/**
 * Aggregation of scored units per series, per group label (store, department, ...), per backtest
 * window and in total. Every level pools the units' sums (see ./accumulator.ts).
 */
import type { ErrorStats, MetricSummary } from './accumulator';
import { addStats, emptyStats, summarize } from './accumulator';

export interface ScoredUnit {
  seriesId: string;
  /** Group labels, e.g. { store: '1', dept: '7' }. */
  groups?: Readonly<Record<string, string>>;
  /** Backtest window index, when the unit comes from a backtest. */
  window?: number;
  stats: ErrorStats;
}

export interface AggregatedMetrics {
  total: MetricSummary;
  perSeries: Record<string, MetricSummary>;
  /** perGroup[groupKey][label], e.g. perGroup.store['1']. */
  perGroup: Record<string, Record<string, MetricSummary>>;
  /** Indexed by window; empty when no unit carries a window. */
  perWindow: MetricSummary[];
}

export interface AggregateOptions {
  /** Group keys to aggregate by; default every key found on the units. */
  groupBy?: readonly string[];
  /** Leave out per-series summaries (large runs). */
  perSeries?: boolean;
}

export function aggregateMetrics(units: Iterable<ScoredUnit>, options: AggregateOptions = {}): AggregatedMetrics {
  const total = emptyStats();
  const series = new Map<string, ErrorStats>();
  const groups = new Map<string, Map<string, ErrorStats>>();
  const windows: ErrorStats[] = [];
  const wantSeries = options.perSeries ?? true;
  const add = <K>(map: Map<K, ErrorStats>, key: K, s: ErrorStats): void => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = emptyStats()));
    addStats(acc, s);
  };
  for (const u of units) {
    addStats(total, u.stats);
    if (wantSeries) add(series, u.seriesId, u.stats);
    const keys = options.groupBy ?? Object.keys(u.groups ?? {});
    for (const k of keys) {
      const label = u.groups?.[k];
      if (label === undefined) continue;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = new Map()));
      add(g, label, u.stats);
    }
    if (u.window !== undefined) {
      while (windows.length <= u.window) windows.push(emptyStats());
      addStats(windows[u.window], u.stats);
    }
  }
  const perGroup: Record<string, Record<string, MetricSummary>> = {};
  for (const [k, g] of groups) {
    perGroup[k] = {};
    for (const [label, s] of g) perGroup[k][label] = summarize(s);
  }
  const perSeries: Record<string, MetricSummary> = {};
  for (const [id, s] of series) perSeries[id] = summarize(s);
  return { total: summarize(total), perSeries, perGroup, perWindow: windows.map(summarize) };
}
