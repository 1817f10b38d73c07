import type { RetrainAllSpec, SeriesFilter } from '@shelfcast/contracts';

import { slug } from '../runs/run-ids';

export interface CatalogSeries {
  storeId: string;
  sku: string;
  category: string | null;
  department: string | null;
}

/** One part of a retrain-all: a group of series, the model it trains and the filter that selects it. */
export interface GroupPlan {
  label: string;
  modelName: string;
  seriesFilter: SeriesFilter;
  series: number;
}

export interface GroupPlanResult {
  groups: GroupPlan[];
  /** Series that belong to no group (no product record, hence no category or department). */
  ungrouped: number;
}

/**
 * Splits the series a retrain-all selects into its parts: one per category or department (series
 * without a product record are left out and counted), or `storeGroups` contiguous groups of stores
 * of similar series counts. Each part keeps the spec's own filter and narrows it to its group.
 */
export function planGroups(
  series: readonly CatalogSeries[],
  spec: Pick<RetrainAllSpec, 'groupBy' | 'storeGroups' | 'modelName' | 'seriesFilter'>,
): GroupPlanResult {
  const names = new Set<string>();
  const modelName = (label: string) => {
    const base = `${spec.modelName}.${slug(label)}`.slice(0, 120);
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    return name;
  };

  if (spec.groupBy === 'store-group') {
    const perStore = new Map<string, number>();
    for (const s of series) perStore.set(s.storeId, (perStore.get(s.storeId) ?? 0) + 1);
    const stores = [...perStore.keys()].sort();
    const count = Math.min(spec.storeGroups, stores.length);
    const groups: GroupPlan[] = [];
    let start = 0;
    let remaining = series.length;
    for (let g = 0; g < count; g++) {
      // Close the group once it holds its share of what remains, leaving a store for every group after it.
      const target = remaining / (count - g);
      const members: string[] = [];
      let size = 0;
      while (start < stores.length && stores.length - start > count - g - 1) {
        const n = perStore.get(stores[start]) ?? 0;
        if (members.length > 0 && size + n / 2 > target) break;
        members.push(stores[start++]);
        size += n;
      }
      remaining -= size;
      const label = `stores-${g + 1}-of-${count}`;
      groups.push({
        label,
        modelName: modelName(label),
        seriesFilter: { ...spec.seriesFilter, storeIds: members },
        series: size,
      });
    }
    return { groups, ungrouped: 0 };
  }

  const field = spec.groupBy === 'category' ? 'category' : 'department';
  const filterField = spec.groupBy === 'category' ? 'categories' : 'departments';
  const counts = new Map<string, number>();
  let ungrouped = 0;
  for (const s of series) {
    const value = s[field];
    if (value === null) ungrouped++;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const groups = [...counts.keys()].sort().map((value) => ({
    label: value,
    modelName: modelName(value),
    seriesFilter: { ...spec.seriesFilter, [filterField]: [value] },
    series: counts.get(value) ?? 0,
  }));
  return { groups, ungrouped };
}
