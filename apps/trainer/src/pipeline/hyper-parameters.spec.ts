import { InvalidSpecError } from './errors';
import {
  checkFamily,
  knownHyperParameters,
  parseHyperParameters,
  recordedHyperParameters,
  SUPPORTED_FAMILIES,
} from './hyper-parameters';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSpecError);
    return (e as Error).message;
  }
  throw new Error('expected an InvalidSpecError');
};

describe('hyper-parameters', () => {
  it('fills in the defaults and keeps what was given', () => {
    const h = parseHyperParameters('gbdt', { numTrees: 50, loss: 'poisson', scaleWeight: true });
    expect(h.family).toBe('gbdt');
    expect(recordedHyperParameters(h)).toMatchObject({
      numTrees: 50,
      loss: 'poisson',
      scaleWeight: true,
      learningRate: 0.08,
      maxLeaves: 31,
      trainAnchors: 28,
      anchorStride: 1,
      seed: 0,
    });
    expect(recordedHyperParameters(parseHyperParameters('seasonal-naive', {}))).toEqual({
      trainAnchors: 28,
      anchorStride: 1,
    });
  });

  it('refuses unknown keys, naming them and the known ones', () => {
    const m = message(() => parseHyperParameters('gbdt', { numTree: 10, depth: 3 }));
    expect(m).toMatch(/unknown keys "numTree", "depth" for family gbdt/);
    expect(m).toContain(`known: ${knownHyperParameters('gbdt').join(', ')}`);
    expect(message(() => parseHyperParameters('seasonal-naive', { numTrees: 10 }))).toMatch(
      /unknown key "numTrees" for family seasonal-naive; known: anchorStride, seasonLength, trainAnchors/,
    );
  });

  it('refuses wrong types and values out of range, with the path', () => {
    expect(message(() => parseHyperParameters('gbdt', { numTrees: 'many' }))).toMatch(/hyperParameters\.numTrees/);
    expect(message(() => parseHyperParameters('gbdt', { numTrees: 2.5 }))).toMatch(/hyperParameters\.numTrees/);
    expect(message(() => parseHyperParameters('gbdt', { learningRate: 0 }))).toMatch(/hyperParameters\.learningRate/);
    expect(message(() => parseHyperParameters('gbdt', { subsample: 1.5 }))).toMatch(/hyperParameters\.subsample/);
    expect(message(() => parseHyperParameters('gbdt', { loss: 'huber' }))).toMatch(/hyperParameters\.loss/);
    expect(message(() => parseHyperParameters('gbdt', { scaleWeight: 1 }))).toMatch(/hyperParameters\.scaleWeight/);
    expect(message(() => parseHyperParameters('moving-average', { window: 0 }))).toMatch(/hyperParameters\.window/);
  });

  it('accepts the supported families and names them when refusing another', () => {
    for (const f of SUPPORTED_FAMILIES) expect(checkFamily(f)).toBe(f);
    expect(message(() => checkFamily('transformer'))).toBe(
      'family "transformer" is not supported by the training pipeline; supported: gbdt, seasonal-naive, moving-average',
    );
  });
});
