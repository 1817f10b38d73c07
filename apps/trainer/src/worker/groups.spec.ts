import { planGroups, type CatalogSeries } from './groups';

const series = (stores: number, skus: number): CatalogSeries[] =>
  Array.from({ length: stores * skus }, (_, i) => ({
    storeId: `s${String(Math.floor(i / skus)).padStart(2, '0')}`,
    sku: `k${i % skus}`,
    category: i % skus === 0 ? null : `Cat ${i % 3}`,
    department: 'Food',
  }));

describe('planGroups', () => {
  const base = { modelName: 'demand', seriesFilter: {}, storeGroups: 4 };

  it('makes one part per category, narrowing the spec’s filter, and counts series without one', () => {
    const plan = planGroups(series(2, 10), {
      ...base,
      groupBy: 'category',
      seriesFilter: { storeIds: ['s00', 's01'] },
    });
    expect(plan.groups.map((g) => [g.modelName, g.series, g.seriesFilter])).toEqual([
      ['demand.cat-0', 6, { storeIds: ['s00', 's01'], categories: ['Cat 0'] }],
      ['demand.cat-1', 6, { storeIds: ['s00', 's01'], categories: ['Cat 1'] }],
      ['demand.cat-2', 6, { storeIds: ['s00', 's01'], categories: ['Cat 2'] }],
    ]);
    expect(plan.ungrouped).toBe(2);
  });

  it('splits stores into contiguous groups of similar size that cover every store once', () => {
    const all = series(10, 30);
    const plan = planGroups(all, { ...base, groupBy: 'store-group' });
    expect(plan.groups).toHaveLength(4);
    const stores = plan.groups.flatMap((g) => g.seriesFilter.storeIds ?? []);
    expect(stores).toEqual([...new Set(all.map((s) => s.storeId))].sort());
    const sizes = plan.groups.map((g) => g.series);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(30);
  });

  it('never makes more store groups than stores, nor two models of the same name', () => {
    expect(planGroups(series(2, 5), { ...base, groupBy: 'store-group' }).groups).toHaveLength(2);
    const clash = planGroups(
      [
        { storeId: 's', sku: 'a', category: 'A b', department: null },
        { storeId: 's', sku: 'b', category: 'a-B', department: null },
      ],
      { ...base, groupBy: 'category' },
    );
    expect(clash.groups.map((g) => g.modelName)).toEqual(['demand.a-b', 'demand.a-b-2']);
  });
});
