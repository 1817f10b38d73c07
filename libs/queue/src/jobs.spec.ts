import { InvalidJobError, parseJob } from './jobs';

describe('job registry', () => {
  const valid = { runId: 'r1', modelName: 'demand-gbdt', family: 'gbdt', featureSetVersion: 'daily-v1', horizon: 14 };

  it('applies defaults to a valid payload', () => {
    const data = parseJob('train', valid);
    expect(data.quantiles).toEqual([0.1, 0.5, 0.9]);
    expect(data.frequency).toBe('daily');
    expect(data.backtest).toEqual({ windows: 3, step: 7 });
  });

  it('names the field of an invalid payload', () => {
    expect(() => parseJob('train', { ...valid, horizon: 0 })).toThrow(InvalidJobError);
    expect(() => parseJob('train', { ...valid, horizon: 0 })).toThrow('horizon');
    expect(() => parseJob('train', { ...valid, extra: 1 })).toThrow('Unrecognized key');
  });
});

describe('parent job kinds', () => {
  const base = { runId: 'r1', modelName: 'demand', family: 'gbdt', featureSetVersion: '1', horizon: 7 };

  it('takes a tune search space and applies its defaults', () => {
    const data = parseJob('tune', {
      ...base,
      search: { space: { learningRate: { min: 0.01, max: 0.3, scale: 'log' } } },
    });
    expect(data.search).toEqual({
      space: { learningRate: { min: 0.01, max: 0.3, scale: 'log', integer: false } },
      trials: 8,
      metric: 'wape',
      seed: 1,
    });
  });

  it('refuses an empty search space and a log range from zero, naming the field', () => {
    expect(() => parseJob('tune', { ...base, search: { space: {} } })).toThrow('search.space');
    expect(() => parseJob('tune', { ...base, search: { space: { a: { min: 0, max: 1, scale: 'log' } } } })).toThrow(
      'search.space.a.min',
    );
  });

  it('groups retrain-all by category unless told otherwise', () => {
    expect(parseJob('retrain-all', base).groupBy).toBe('category');
    expect(parseJob('retrain-all', { ...base, groupBy: 'store-group', storeGroups: 4 }).storeGroups).toBe(4);
    expect(() => parseJob('retrain-all', { ...base, groupBy: 'region' })).toThrow('groupBy');
  });

  it('knows where a job came from', () => {
    const data = parseJob('train', { ...base, origin: { trigger: 'alert', alertId: 'a1' } });
    expect(data.origin).toEqual({ trigger: 'alert', alertId: 'a1' });
    expect(() => parseJob('train', { ...base, origin: { trigger: 'cron' } })).toThrow('origin.trigger');
  });
});
