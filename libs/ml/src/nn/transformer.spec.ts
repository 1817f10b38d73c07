import { PARITY_FLOOR } from '../onnx';
import { exportNnVerified } from './onnx-export';
import { type SequenceModel, nnModelFromJSON } from './model';
import { maePerOutput, onnxOpTypes, seasonalNaiveForecast, seasonalWindows } from './spec-helpers';
import { trainSequenceModel } from './train';
import { lastValueForecast } from './windows';

const { train, test } = seasonalWindows({ length: 360, windowLength: 14, horizons: [1, 2, 3] });

describe('trainSequenceModel kind transformer (self-attention encoder)', () => {
  let model: SequenceModel;

  beforeAll(async () => {
    model = await trainSequenceModel(train, {
      kind: 'transformer',
      modelDim: 16,
      heads: 2,
      epochs: 15,
      batchSize: 32,
      optimizer: { type: 'adam', learningRate: 0.005 },
      seed: 1,
    });
  });

  it('learns a seasonal series far better than naive on held-out windows, for 3 horizons', () => {
    const ours = maePerOutput(test.target, model.predict(test), 3);
    const naive = maePerOutput(test.target, lastValueForecast(test, 3), 3);
    const seasonal = maePerOutput(test.target, seasonalNaiveForecast(test, 7), 3);
    ours.forEach((mae, k) => {
      expect(mae).toBeLessThan(0.25 * naive[k]);
      expect(mae).toBeLessThan(seasonal[k]);
    });
  });

  it('exports attention with LayerNormalization and Softmax with parity <= 1e-4', async () => {
    // The strict floor of the trees (1e-6): these predictions are far from 0.
    const { bytes, parity } = await exportNnVerified(model, test, { floor: PARITY_FLOOR });
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
    const ops = onnxOpTypes(bytes);
    expect(ops.filter((t) => t === 'LayerNormalization')).toHaveLength(3);
    expect(ops).toEqual(expect.arrayContaining(['Softmax', 'Transpose', 'Reshape', 'MatMul', 'Flatten', 'Gemm']));
  });

  it('keeps parity with one head, two layers and the last-token readout', async () => {
    const m = await trainSequenceModel(train, {
      kind: 'transformer',
      modelDim: 8,
      heads: 1,
      layers: 2,
      readout: 'last',
      epochs: 1,
      batchSize: 64,
    });
    const { bytes, parity } = await exportNnVerified(m, test);
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
    expect(onnxOpTypes(bytes)).toContain('Gather');
    await expect(trainSequenceModel(train, { kind: 'transformer', modelDim: 6, heads: 4 })).rejects.toThrow(/multiple/);
  });

  it('round-trips through JSON', () => {
    const back = nnModelFromJSON(model.toJSON()) as SequenceModel;
    expect(back.predict(test)).toEqual(model.predict(test));
  });
});
