import { InvalidSpecError } from './errors';
import { describeFilter, isUnrestricted, selectSeries, type SeriesInfo } from './series-filter';

const s = (storeId: string, sku: string, category: string | null, department: string | null): SeriesInfo => ({
  storeId,
  sku,
  category,
  department,
});

const catalog: SeriesInfo[] = [
  s('s2', 'p1', 'dairy', 'grocery'),
  s('s1', 'p2', 'paper', 'household'),
  s('s1', 'p1', 'dairy', 'grocery'),
  s('S1', 'p3', 'toys', 'seasonal'),
  s('s2', 'p4', null, null),
];
const keys = (list: SeriesInfo[]) => list.map((x) => `${x.storeId}|${x.sku}`);

describe('series filter', () => {
  it('takes every series without a filter, in code-unit key order', () => {
    expect(keys(selectSeries(catalog, {}))).toEqual(['S1|p3', 's1|p1', 's1|p2', 's2|p1', 's2|p4']);
    expect(isUnrestricted({})).toBe(true);
    expect(describeFilter({})).toBe('every series');
  });

  it('matches any value within a field and every field given', () => {
    expect(keys(selectSeries(catalog, { storeIds: ['s1', 's2'] }))).toEqual(['s1|p1', 's1|p2', 's2|p1', 's2|p4']);
    expect(keys(selectSeries(catalog, { skus: ['p1'] }))).toEqual(['s1|p1', 's2|p1']);
    expect(keys(selectSeries(catalog, { categories: ['dairy', 'toys'] }))).toEqual(['S1|p3', 's1|p1', 's2|p1']);
    expect(keys(selectSeries(catalog, { departments: ['grocery'], storeIds: ['s2'] }))).toEqual(['s2|p1']);
    expect(keys(selectSeries(catalog, { categories: ['paper'], departments: ['grocery'] }))).toEqual([]);
    expect(isUnrestricted({ skus: ['p1'] })).toBe(false);
    expect(describeFilter({ storeIds: ['s1'], departments: ['grocery', 'seasonal'] })).toBe(
      'storeIds=[s1] departments=[grocery, seasonal]',
    );
  });

  it('never matches a series without product data on a category or department filter, nor ids by case', () => {
    expect(keys(selectSeries(catalog, { departments: ['grocery', 'household', 'seasonal'] }))).not.toContain('s2|p4');
    expect(keys(selectSeries(catalog, { storeIds: ['S2'] }))).toEqual([]);
  });

  it('refuses an empty list, which would select nothing', () => {
    expect(() => selectSeries(catalog, { categories: [] })).toThrow(InvalidSpecError);
    expect(() => selectSeries(catalog, { categories: [] })).toThrow(/seriesFilter.categories is an empty list/);
  });
});
