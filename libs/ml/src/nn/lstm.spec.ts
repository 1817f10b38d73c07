import { PARITY_FLOOR } from '../onnx';
import { exportNnVerified } from './onnx-export';
import { SequenceModel, nnModelFromJSON } from './model';
import { maePerOutput, onnxOpTypes, seasonalNaiveForecast, seasonalWindows } from './spec-helpers';
import { trainSequenceModel } from './train';
import { lastValueForecast } from './windows';

const { train, test } = seasonalWindows({ length: 360, windowLength: 14, horizons: [1, 2, 3] });

describe('trainSequenceModel kind rnn (LSTM)', () => {
  let model: SequenceModel;

  beforeAll(async () => {
    model = await trainSequenceModel(train, {
      kind: 'rnn',
      units: 16,
      epochs: 15,
      batchSize: 32,
      optimizer: { type: 'adam', learningRate: 0.01 },
      seed: 1,
    });
  });

  it('learns a seasonal series far better than naive on held-out windows, for 3 horizons', () => {
    const p = model.predict(test);
    const ours = maePerOutput(test.target, p, 3);
    const naive = maePerOutput(test.target, lastValueForecast(test, 3), 3);
    const seasonal = maePerOutput(test.target, seasonalNaiveForecast(test, 7), 3);
    ours.forEach((mae, k) => {
      expect(mae).toBeLessThan(0.25 * naive[k]);
      expect(mae).toBeLessThan(seasonal[k]);
    });
    expect(model.horizons).toEqual([1, 2, 3]);
    expect(model.history[14].trainLoss).toBeLessThan(model.history[0].trainLoss);
  });

  it('exports the ONNX LSTM op (gates i, o, f, c) with parity <= 1e-4 on held-out windows', async () => {
    // The strict floor of the trees (1e-6): these predictions are far from 0.
    const { bytes, parity } = await exportNnVerified(model, test, { floor: PARITY_FLOOR });
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
    expect(parity.maxRelDiffPerOutput).toHaveLength(3);
    expect(onnxOpTypes(bytes)).toEqual(expect.arrayContaining(['Transpose', 'LSTM', 'Squeeze', 'Gemm']));
  });

  it('stacks layers, and the two-layer export keeps parity', async () => {
    const two = await trainSequenceModel(train, {
      kind: 'rnn',
      units: 8,
      layers: 2,
      epochs: 1,
      batchSize: 64,
      seed: 2,
    });
    expect(two.weights.map((w) => w.name)).toContain('lstm1/recurrent_kernel');
    const { bytes, parity } = await exportNnVerified(two, test);
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
    expect(onnxOpTypes(bytes).filter((t) => t === 'LSTM')).toHaveLength(2);
  });

  it('round-trips through JSON', () => {
    const back = nnModelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(back).toBeInstanceOf(SequenceModel);
    expect((back as SequenceModel).predict(test)).toEqual(model.predict(test));
    expect(() => model.predict({ ...test, windowLength: 7 })).toThrow(/14 × 1/);
  });
});
