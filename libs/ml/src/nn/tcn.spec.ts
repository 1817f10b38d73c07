import { PARITY_FLOOR } from '../onnx';
import { exportNnVerified } from './onnx-export';
import { type SequenceModel, nnModelFromJSON } from './model';
import { maePerOutput, onnxIntsAttribute, onnxOpTypes, seasonalNaiveForecast, seasonalWindows } from './spec-helpers';
import { trainSequenceModel } from './train';
import { lastValueForecast } from './windows';

const { train, test } = seasonalWindows({ length: 360, windowLength: 14, horizons: [1, 2, 3] });

describe('trainSequenceModel kind tcn (dilated causal convolutions)', () => {
  let model: SequenceModel;

  beforeAll(async () => {
    model = await trainSequenceModel(train, {
      kind: 'tcn',
      filters: 16,
      kernelSize: 3,
      dilations: [1, 2, 4],
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

  it('sees exactly its receptive field: 1 + (k − 1)·Σd steps back from the last one', async () => {
    // k = 3, dilations [1, 2]: the last output reads steps T − 7 .. T − 1 only.
    const m = await trainSequenceModel(train, { kind: 'tcn', filters: 4, dilations: [1, 2], epochs: 1, seed: 3 });
    const one = { ...test, data: test.data.slice(0, 14), numWindows: 1 };
    const base = m.predict(one);
    const bump = (step: number): Float64Array => {
      const data = one.data.slice();
      data[step] += 5;
      return m.predict({ ...one, data });
    };
    for (let step = 0; step < 7; step++) expect(bump(step)).toEqual(base);
    for (let step = 7; step < 14; step++) expect(bump(step)).not.toEqual(base);
  });

  it('exports 1-D Conv nodes (3-D input, dilations, left pads) with parity <= 1e-4', async () => {
    // The strict floor of the trees (1e-6): these predictions are far from 0.
    const { bytes, parity } = await exportNnVerified(model, test, { floor: PARITY_FLOOR });
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
    expect(onnxOpTypes(bytes).filter((t) => t === 'Conv')).toHaveLength(3);
    expect(onnxIntsAttribute(bytes, 'Conv', 'dilations')).toEqual([[1], [2], [4]]);
    expect(onnxIntsAttribute(bytes, 'Conv', 'pads')).toEqual([
      [2, 0],
      [4, 0],
      [8, 0],
    ]);
  });

  it('keeps parity with kernel size 2, two channels and one output', async () => {
    const two = {
      ...train,
      data: Float32Array.from({ length: train.numWindows * 14 * 2 }, (_, i) =>
        i % 2 === 0 ? train.data[i >> 1] : Math.sin(i),
      ),
      numChannels: 2,
      target: Float64Array.from({ length: train.numWindows }, (_, i) => train.target[3 * i]),
      numOutputs: 1,
      horizons: [1],
      channelNames: ['sales', 'price'],
    };
    const m = await trainSequenceModel(two, { kind: 'tcn', filters: 4, kernelSize: 2, dilations: [1, 3], epochs: 1 });
    const { parity } = await exportNnVerified(m, two);
    expect(parity.maxRelDiff).toBeLessThanOrEqual(1e-4);
  });

  it('round-trips through JSON', () => {
    const back = nnModelFromJSON(model.toJSON()) as SequenceModel;
    expect(back.predict(test)).toEqual(model.predict(test));
  });
});
