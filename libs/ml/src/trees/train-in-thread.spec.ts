import { serializeModel } from './serialize';
import { syntheticRegression } from './synthetic';
import { trainGbdt } from './train';
import { trainGbdtInThread } from './train-in-thread';
import type { IterationInfo } from './types';

const data = syntheticRegression({ numRows: 4000, seed: 3, missingRate: 0.05, categorical: true });
const valid = syntheticRegression({ numRows: 1000, seed: 4, missingRate: 0.05, categorical: true });

describe('trainGbdtInThread', () => {
  it('returns the model an inline fit returns, reporting every round', async () => {
    const params = {
      loss: { type: 'l2' as const },
      numTrees: 40,
      maxDepth: 5,
      subsample: 0.8,
      seed: 7,
      validation: valid,
      earlyStoppingRounds: 10,
    };
    const rounds: IterationInfo[] = [];
    const threaded = await trainGbdtInThread(data, params, { onIteration: (i) => rounds.push(i) });
    const inline = trainGbdt(data, params);
    expect(serializeModel(threaded)).toBe(serializeModel(inline));
    expect(rounds.map((r) => r.iteration)).toEqual(Array.from({ length: rounds.length }, (_, i) => i));
    expect(rounds.length).toBeGreaterThan(0);
    expect(threaded.bestIteration).toBe(inline.bestIteration);
  });

  it('leaves the event loop free during a fit, and an abort stops it with the reason', async () => {
    const big = syntheticRegression({ numRows: 60_000, seed: 5 });
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    let rounds = 0;
    const fit = trainGbdtInThread(
      big,
      { loss: { type: 'l2' }, numTrees: 100_000, maxDepth: 8 },
      {
        signal: controller.signal,
        onIteration: () => {
          if (++rounds === 3) controller.abort(new Error('stop requested'));
        },
      },
    );
    await expect(fit).rejects.toThrow('stop requested');
    clearInterval(timer);
    // The timer kept firing while the thread fitted (an inline fit would have held it for the whole time).
    expect(ticks).toBeGreaterThan(2);
    expect(rounds).toBeGreaterThanOrEqual(3);
  });

  it('rejects with the fit error (bad parameters), and at once for a signal already aborted', async () => {
    await expect(trainGbdtInThread(data, { loss: { type: 'l2' }, numTrees: 5, learningRate: 0 })).rejects.toThrow(
      /learningRate 0/,
    );
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(
      trainGbdtInThread(data, { loss: { type: 'l2' }, numTrees: 5 }, { signal: controller.signal }),
    ).rejects.toThrow('too late');
  });
});
