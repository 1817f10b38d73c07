import { sampleTrials } from './search';

describe('sampleTrials', () => {
  it('gives the same trials for the same seed and others for another seed', () => {
    const space = { learningRate: { min: 0.01, max: 0.3, scale: 'log' as const, integer: false } };
    const a = sampleTrials(space, 5, 7);
    expect(sampleTrials(space, 5, 7)).toEqual(a);
    expect(sampleTrials(space, 5, 8)).not.toEqual(a);
    for (const t of a) {
      expect(t.learningRate).toBeGreaterThanOrEqual(0.01);
      expect(t.learningRate).toBeLessThanOrEqual(0.3);
    }
  });

  it('rounds integer ranges into the range and keeps base values not searched', () => {
    const trials = sampleTrials({ numTrees: { min: 10, max: 20, scale: 'linear', integer: true } }, 20, 1, {
      loss: 'l2',
      numTrees: 300,
    });
    for (const t of trials) {
      expect(Number.isInteger(t.numTrees)).toBe(true);
      expect(t.numTrees).toBeGreaterThanOrEqual(10);
      expect(t.numTrees).toBeLessThanOrEqual(20);
      expect(t.loss).toBe('l2');
    }
  });

  it('walks the full grid when lists hold no more combinations than trials', () => {
    const trials = sampleTrials({ a: { values: [1, 2] }, b: { values: ['x', 'y'] } }, 4, 1);
    expect(trials).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });
});
