import { checkOnnxParity, decodeModel, featureSetSignature, PARITY_TOLERANCE } from '../onnx';
import { checkNnParity, exportNnToOnnx, exportNnVerified, nnParityFloor } from './onnx-export';
import { linearRows, onnxOpTypes, poissonRows } from './spec-helpers';
import { trainMlp } from './train';

// Demand-like: positive targets; 5% of the inputs missing.
const train = linearRows(600, 11, { offset: 10, noise: 0.3 });
const heldOut = linearRows(500, 12, { offset: 10, noise: 0.3 });
heldOut.data.forEach((_, i) => {
  if (i % 20 === 7) heldOut.data[i] = NaN;
});

function metadata(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(decodeModel(bytes).metadataProps.map((p) => [p.key, p.value]));
}

describe('exportNnToOnnx (MLP)', () => {
  it('matches predict() within 1e-4 through checkOnnxParity (MSE; NaN inputs included)', async () => {
    const m = await trainMlp(train, { hiddenLayers: [32, 16], epochs: 5, seed: 1 });
    const bytes = m.exportOnnx();
    const report = await checkOnnxParity(bytes, heldOut, m.predict(heldOut));
    expect(report.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(onnxOpTypes(bytes)).toEqual([
      'Sub',
      'Mul',
      'IsNaN',
      'Where',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Mul',
      'Add',
    ]);
  });

  it('ends a Poisson model in Exp (log link) and keeps parity', async () => {
    const counts = poissonRows(600, 3);
    const m = await trainMlp(counts, { hiddenLayers: [16], epochs: 4, loss: { type: 'poisson' } });
    const { bytes, parity } = await exportNnVerified(m, poissonRows(300, 4));
    expect(parity.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(onnxOpTypes(bytes).slice(-2)).toEqual(['Exp', 'Mul']);
    expect(metadata(bytes)['shelfcast.link']).toBe('log');
  });

  it('names input `features` and output `prediction`, opset 17, and records the model in metadata', async () => {
    const m = await trainMlp(train, { hiddenLayers: [4], epochs: 1, loss: { type: 'pinball', alpha: 0.9 } });
    const bytes = exportNnToOnnx(m, { metadata: { 'shelfcast.run_id': 'r7' } });
    const model = decodeModel(bytes);
    const graph = model.graph;
    expect(graph?.input?.map((i) => i.name)).toEqual(['features']);
    expect(graph?.output?.map((o) => o.name)).toEqual(['prediction']);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(model.irVersion.toString()).toBe('8');
    const meta = metadata(bytes);
    expect(meta['shelfcast.model_type']).toBe('nn');
    expect(meta['shelfcast.nn_kind']).toBe('mlp');
    expect(JSON.parse(meta['shelfcast.loss'])).toEqual({ type: 'pinball', alpha: 0.9 });
    expect(meta['shelfcast.feature_signature']).toBe(featureSetSignature(['x1', 'x2']));
    expect(meta['shelfcast.run_id']).toBe('r7');
  });

  it('measures near-zero predictions against 0.1% of the target magnitude, and still catches a wrong graph', async () => {
    // y = 2·x1 − x2 + noise crosses 0: float32 ulps of the shift are large next to a prediction of 0.001.
    const centred = linearRows(600, 13);
    const a = await trainMlp(centred, { hiddenLayers: [16], epochs: 3, seed: 1 });
    const b = await trainMlp(centred, { hiddenLayers: [16], epochs: 3, seed: 2 });
    const rows = linearRows(400, 14);
    const floor = nnParityFloor(a);
    expect(floor).toBeCloseTo(1e-3 * (Math.abs(a.targetScaling.shift[0]) + a.targetScaling.scale[0]), 9);
    const good = await checkNnParity(a, a.exportOnnx(), rows);
    expect(good.floor).toBe(floor);
    expect(good.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    // Another model's graph: far beyond the tolerance, floor or not.
    const wrong = await checkNnParity(a, b.exportOnnx(), rows);
    expect(wrong.maxRelDiff).toBeGreaterThan(1e-2);
  });

  it('refuses an export above the tolerance', async () => {
    const m = await trainMlp(train, { hiddenLayers: [4], epochs: 1 });
    await expect(exportNnVerified(m, heldOut, { tolerance: -1 })).rejects.toThrow(/parity failed/);
  });
});
