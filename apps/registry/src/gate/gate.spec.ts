import { beats, evaluateGate, gateValue, type WindowFigures } from './gate';

const W = 'w-2024q1';
const settings = { metric: 'wape', margin: 0 };

function figures(key: string, model: number, naive: number, source: WindowFigures['source'] = 'registered') {
  return { windowsKey: key, model: { wape: model, mae: model * 10 }, seasonalNaive: { wape: naive }, source };
}

describe('promotion gate', () => {
  it('passes a candidate that beats seasonal naive when no version holds production', () => {
    const report = evaluateGate(
      { candidate: { version: 1, figures: [figures(W, 0.2, 0.3)] }, production: null },
      settings,
    );
    expect(report).toMatchObject({
      passed: true,
      outcome: 'passed',
      windowsKey: W,
      candidate: { version: 1, value: 0.2 },
      seasonalNaive: { value: 0.3, passed: true },
      production: null,
    });
  });

  it('refuses a candidate that does not beat seasonal naive, with both figures', () => {
    const report = evaluateGate(
      { candidate: { version: 2, figures: [figures(W, 0.3, 0.3)] }, production: null },
      settings,
    );
    expect(report.outcome).toBe('gate_refused');
    expect(report.passed).toBe(false);
    expect(report.message).toContain('seasonal naive');
    expect(report.message).toContain('0.3 vs 0.3');
  });

  it('refuses a candidate worse than production on the same windows', () => {
    const report = evaluateGate(
      {
        candidate: { version: 3, figures: [figures(W, 0.25, 0.4)] },
        production: { version: 2, figures: [figures(W, 0.2, 0.4)] },
      },
      settings,
    );
    expect(report.outcome).toBe('gate_refused');
    expect(report.production).toEqual({ version: 2, value: 0.2, source: 'registered', passed: false });
    expect(report.seasonalNaive.passed).toBe(true);
    expect(report.message).toContain('current version 2');
  });

  it('passes a candidate better than production and naive', () => {
    const report = evaluateGate(
      {
        candidate: { version: 3, figures: [figures(W, 0.15, 0.4)] },
        production: { version: 2, figures: [figures(W, 0.2, 0.4)] },
      },
      settings,
    );
    expect(report.passed).toBe(true);
    expect(report.production?.passed).toBe(true);
  });

  it('is not comparable when production was never measured on the candidate windows', () => {
    const report = evaluateGate(
      {
        candidate: { version: 3, figures: [figures(W, 0.1, 0.4)] },
        production: { version: 2, figures: [figures('other', 0.2, 0.4)] },
      },
      settings,
    );
    expect(report.outcome).toBe('not_comparable');
    expect(report.production).toEqual({ version: 2, value: null, source: null, passed: false });
    expect(report.message).toContain('backtest version 2');
  });

  it('uses an evaluation of production on the candidate windows', () => {
    const report = evaluateGate(
      {
        candidate: { version: 3, figures: [figures(W, 0.1, 0.4)] },
        production: { version: 2, figures: [figures('other', 0.05, 0.4), figures(W, 0.2, 0.4, 'evaluation')] },
      },
      settings,
    );
    expect(report.passed).toBe(true);
    expect(report.production).toMatchObject({ value: 0.2, source: 'evaluation' });
  });

  it('falls back to an evaluated window set of the candidate that production shares', () => {
    const report = evaluateGate(
      {
        candidate: { version: 3, figures: [figures(W, 0.1, 0.4), figures('shared', 0.3, 0.5, 'evaluation')] },
        production: { version: 2, figures: [figures('shared', 0.35, 0.5)] },
      },
      settings,
    );
    expect(report.windowsKey).toBe('shared');
    expect(report.passed).toBe(true);
    expect(report.candidate.value).toBe(0.3);
  });

  it('applies the margin as a relative improvement', () => {
    const input = {
      candidate: { version: 3, figures: [figures(W, 0.19, 0.4)] },
      production: { version: 2, figures: [figures(W, 0.2, 0.4)] },
    };
    expect(evaluateGate(input, { metric: 'wape', margin: 0 }).passed).toBe(true);
    const strict = evaluateGate(input, { metric: 'wape', margin: 0.1 });
    expect(strict.outcome).toBe('gate_refused');
    expect(strict.message).toContain('by 10 %');
    expect(evaluateGate(input, { metric: 'wape', margin: 0.04 }).passed).toBe(true);
  });

  it('compares the configured metric, and is not comparable when the candidate lacks it', () => {
    const input = {
      candidate: { version: 3, figures: [figures(W, 0.1, 0.4)] },
      production: { version: 2, figures: [figures(W, 0.2, 0.4)] },
    };
    // mae is 10 x wape for the model, but seasonal naive has no mae.
    const report = evaluateGate(input, { metric: 'mae', margin: 0 });
    expect(report.outcome).toBe('not_comparable');
    expect(report.message).toContain('seasonal-naive mae');
    expect(evaluateGate(input, { metric: 'rmse', margin: 0 }).outcome).toBe('not_comparable');
  });

  it('reads bias by its absolute value and never beats an equal figure', () => {
    expect(gateValue({ bias: -0.3 }, 'bias')).toBe(0.3);
    expect(gateValue({ wape: Number.NaN }, 'wape')).toBeUndefined();
    expect(beats(0.2, 0.2, 0)).toBe(false);
    expect(beats(0.19, 0.2, 0)).toBe(true);
    expect(beats(0.19, 0.2, 0.1)).toBe(false);
  });
});
