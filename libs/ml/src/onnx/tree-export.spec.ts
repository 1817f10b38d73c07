import type { onnx } from 'onnx-proto';
import { syntheticRegression, trainGbdt, type LossConfig } from '../trees';
import { decodeModel } from './builder';
import { checkOnnxParity, PARITY_TOLERANCE } from './parity';
import { exportTreesToOnnx, featureSetSignature } from './tree-export';
import { exportTreesVerified } from './verify';

const train = syntheticRegression({ numRows: 2000, seed: 1, missingRate: 0.1, categorical: true, target: 'count' });
const test = syntheticRegression({ numRows: 1500, seed: 2, missingRate: 0.1, categorical: true, target: 'count' });

function metadata(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(decodeModel(bytes).metadataProps.map((p) => [p.key, p.value]));
}

function graphOf(bytes: Uint8Array): onnx.IGraphProto & { node: onnx.INodeProto[] } {
  const g = decodeModel(bytes).graph;
  if (!g?.node) throw new Error('model has no graph');
  return g as onnx.IGraphProto & { node: onnx.INodeProto[] };
}

function stringsAttribute(node: onnx.INodeProto | undefined, name: string): string[] {
  const a = node?.attribute?.find((x) => x.name === name);
  return (a?.strings ?? []).map((s) => Buffer.from(s).toString());
}

describe('exportTreesToOnnx parity with predict() (NaNs and a categorical feature in the inputs)', () => {
  const losses: LossConfig[] = [
    { type: 'l2' },
    { type: 'poisson' },
    { type: 'tweedie', variancePower: 1.4 },
    { type: 'quantile', alpha: 0.9 },
  ];
  for (const loss of losses) {
    it(`${loss.type}: max relative difference <= 1e-4`, async () => {
      const model = trainGbdt(train, { loss, numTrees: 60, maxDepth: 5, maxCatToOnehot: 2, seed: 3 });
      const hasCategorical = model.trees.some((t) => t.catSets.some((s) => s.length >= 2));
      expect(hasCategorical).toBe(true);
      const bytes = exportTreesToOnnx(model);
      const report = await checkOnnxParity(bytes, test, model.predict(test));
      expect(report.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      const graph = graphOf(bytes);
      const ensemble = graph.node.find((n) => n.opType === 'TreeEnsembleRegressor');
      expect(stringsAttribute(ensemble, 'nodes_modes')).toContain('BRANCH_EQ');
      expect(graph.node.some((n) => n.opType === 'Exp')).toBe(model.link === 'log');
    });
  }

  it('float precision also passes for a log-link model', async () => {
    const model = trainGbdt(train, { loss: { type: 'poisson' }, numTrees: 60, maxDepth: 5 });
    const report = await checkOnnxParity(exportTreesToOnnx(model, { precision: 'float' }), test, model.predict(test));
    expect(report.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('exports a missing-only split (+Infinity threshold), single-leaf trees and lossguide trees', async () => {
    const xs = Float32Array.from([1, 2, 3, 4, NaN, NaN, NaN, NaN]);
    const d = { data: xs, numRows: 8, numFeatures: 1, target: Float64Array.from([0, 0, 0, 0, 8, 8, 8, 8]) };
    const model = trainGbdt(d, { loss: { type: 'l2' }, numTrees: 3, maxDepth: 1, learningRate: 1 });
    expect(model.trees[0].threshold[0]).toBe(Infinity);
    const rows = { data: Float32Array.from([NaN, 1, 4, 1e30, -1e30]), numRows: 5, numFeatures: 1 };
    const { parity } = await exportTreesVerified(model, rows);
    expect(parity.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);

    const flat = trainGbdt(d, { loss: { type: 'l2' }, numTrees: 2, minDataInLeaf: 5 });
    expect(flat.trees[0].splitFeature.length).toBe(0);
    expect((await exportTreesVerified(flat, rows)).parity.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);

    const leafy = trainGbdt(train, { loss: { type: 'l2' }, numTrees: 10, growPolicy: 'lossguide', maxLeaves: 40 });
    expect((await exportTreesVerified(leafy, test)).parity.maxRelDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('records the feature set and the model in metadata_props and names input and output', () => {
    const model = trainGbdt(train, { loss: { type: 'tweedie' }, numTrees: 2 });
    const bytes = exportTreesToOnnx(model, { metadata: { 'shelfcast.run_id': 'r1' } });
    const meta = metadata(bytes);
    expect(JSON.parse(meta['shelfcast.feature_names'])).toEqual(train.featureNames);
    expect(meta['shelfcast.feature_signature']).toBe(featureSetSignature(train.featureNames as string[]));
    expect(meta['shelfcast.link']).toBe('log');
    expect(meta['shelfcast.run_id']).toBe('r1');
    const m = decodeModel(bytes);
    expect(graphOf(bytes).input?.[0].name).toBe('features');
    expect(graphOf(bytes).output?.[0].name).toBe('prediction');
    expect(m.irVersion.toString()).toBe('8');
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);
  });
});
