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
