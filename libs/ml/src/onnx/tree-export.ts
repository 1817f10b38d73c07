/**
 * Export of a GBDT model as ONNX: one ai.onnx.ml TreeEnsembleRegressor (ml opset 3, default opset 17,
 * IR 8), input `features` float [N, F], output `prediction` float [N, 1].
 *
 * - Numeric split: BRANCH_LEQ on the exact float32 threshold (the bin's upper bound), the comparison
 *   predict() makes; NaN goes where nodes_missing_value_tracks_true says (1 = left = true branch).
 * - Categorical split "x in {c1..ck} goes left": a chain of k BRANCH_EQ nodes; node j's true branch
 *   is the (shared) left subtree and its false branch is node j+1, the last one's is the right subtree.
 *   Several nodes pointing at one child are accepted by onnxruntime (LightGBM's converter does the
 *   same); NaN and unseen categories fall through the chain to the right unless the split sends
 *   missing left (then the first node tracks missing as true).
 * - base_values holds the initial score; for log-link losses (Poisson, Tweedie) an Exp node follows
 *   the ensemble, so the model outputs what predict() returns.
 * - precision 'double' (default) casts the input to double and stores thresholds, leaf values and
 *   the base value as double tensors, so the ensemble sums in double as predict() does and only the
 *   final float32 output rounds (exact comparisons either way: a float32 cast to double is exact).
 *   'float' keeps float attributes and float sums (smaller; for runtimes without double trees);
 *   its sums of many trees then differ from predict() by float32 rounding (~1e-6 relative).
 */
import { createHash } from 'node:crypto';
import type { GbdtModel, Tree } from '../trees';
import { attr, makeTensor, OnnxGraphBuilder, type AttributeValue } from './builder';

export interface TreeExportOptions {
  precision?: 'double' | 'float';
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  /** Extra metadata_props entries. */
  metadata?: Record<string, string>;
}

export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'prediction';

/** A stable signature of an ordered feature set (sha256 of the JSON array of names). */
export function featureSetSignature(featureNames: string[]): string {
  return createHash('sha256').update(JSON.stringify(featureNames)).digest('hex');
}

interface EnsembleArrays {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  missingTracksTrue: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetWeights: number[];
}

function flattenTree(t: Tree, treeId: number, out: EnsembleArrays): void {
  let nextId = 0;
  const push = (feature: number, mode: string, value: number, missing: number): number => {
    out.treeIds.push(treeId);
    out.nodeIds.push(nextId);
    out.featureIds.push(feature);
    out.modes.push(mode);
    out.values.push(value);
    out.trueIds.push(0);
    out.falseIds.push(0);
    out.missingTracksTrue.push(missing);
    return nextId++;
  };
  const base = out.treeIds.length;
  // Preorder: a node (or a categorical chain), then its left subtree, then its right subtree.
  const visit = (node: number): number => {
    if (node < 0) {
      const id = push(0, 'LEAF', 0, 0);
      out.targetTreeIds.push(treeId);
      out.targetNodeIds.push(id);
      out.targetWeights.push(t.leafValue[~node]);
      return id;
    }
    const f = t.splitFeature[node];
    const missing = t.defaultLeft[node];
    if (t.decisionType[node] === 0) {
      const id = push(f, 'BRANCH_LEQ', t.threshold[node], missing);
      const l = visit(t.left[node]);
      const r = visit(t.right[node]);
      out.trueIds[base + id] = l;
      out.falseIds[base + id] = r;
      return id;
    }
    const set = t.catSets[t.catSetIndex[node]];
    const chain = Array.from(set, (c) => push(f, 'BRANCH_EQ', c, missing));
    const l = visit(t.left[node]);
    const r = visit(t.right[node]);
    chain.forEach((id, j) => {
      out.trueIds[base + id] = l;
      out.falseIds[base + id] = j + 1 < chain.length ? chain[j + 1] : r;
    });
    return chain[0];
  };
  if (t.splitFeature.length === 0) visit(~0);
  else visit(0);
}

/** Serialised ONNX model bytes of a GBDT model. */
export function exportTreesToOnnx(model: GbdtModel, options: TreeExportOptions = {}): Uint8Array {
  const precision = options.precision ?? 'double';
  const nf = model.numFeatures;
  const arrays: EnsembleArrays = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
    missingTracksTrue: [],
    targetTreeIds: [],
    targetNodeIds: [],
    targetWeights: [],
  };
  model.trees.forEach((t, i) => flattenTree(t, i, arrays));
  if (model.trees.length === 0) {
    // An ensemble needs a tree: a single leaf worth 0.
    flattenTree({ splitFeature: new Int32Array(0), leafValue: Float64Array.of(0) } as Tree, 0, arrays);
  }

  const g = new OnnxGraphBuilder(options.graphName ?? 'shelfcast_gbdt');
  const input = g.input(ONNX_INPUT_NAME, 'float', ['N', nf]);
  const ensembleInput =
    precision === 'double' ? g.node('Cast', [input], ['features_double'], { to: attr.int(11) })[0] : input;
  const a: Record<string, AttributeValue> = {
    n_targets: attr.int(1),
    aggregate_function: attr.string('SUM'),
    post_transform: attr.string('NONE'),
    nodes_treeids: attr.ints(arrays.treeIds),
    nodes_nodeids: attr.ints(arrays.nodeIds),
    nodes_featureids: attr.ints(arrays.featureIds),
    nodes_modes: attr.strings(arrays.modes),
    nodes_truenodeids: attr.ints(arrays.trueIds),
    nodes_falsenodeids: attr.ints(arrays.falseIds),
    nodes_missing_value_tracks_true: attr.ints(arrays.missingTracksTrue),
    target_treeids: attr.ints(arrays.targetTreeIds),
    target_nodeids: attr.ints(arrays.targetNodeIds),
    target_ids: attr.ints(arrays.targetTreeIds.map(() => 0)),
  };
  if (precision === 'double') {
    a.nodes_values_as_tensor = attr.tensor(makeTensor('nodes_values', 'double', [arrays.values.length], arrays.values));
    a.target_weights_as_tensor = attr.tensor(
      makeTensor('target_weights', 'double', [arrays.targetWeights.length], arrays.targetWeights),
    );
    a.base_values_as_tensor = attr.tensor(makeTensor('base_values', 'double', [1], [model.initScore]));
  } else {
    a.nodes_values = attr.floats(arrays.values);
    a.target_weights = attr.floats(arrays.targetWeights);
    a.base_values = attr.floats([model.initScore]);
  }
  const raw = g.node(
    'TreeEnsembleRegressor',
    [ensembleInput],
    [model.link === 'log' ? 'raw_score' : ONNX_OUTPUT_NAME],
    a,
    {
      domain: 'ai.onnx.ml',
    },
  )[0];
  const out = model.link === 'log' ? g.node('Exp', [raw], [ONNX_OUTPUT_NAME])[0] : raw;
  g.output(out, 'float', ['N', 1]);

  const metadata: Record<string, string> = {
    'shelfcast.model_type': 'gbdt',
    'shelfcast.feature_names': JSON.stringify(model.featureNames),
    'shelfcast.feature_signature': featureSetSignature(model.featureNames),
    'shelfcast.num_features': String(nf),
    'shelfcast.categorical_features': JSON.stringify(model.categoricalFeatures),
    'shelfcast.categorical_encoding': 'branch_eq_chain',
    'shelfcast.loss': JSON.stringify(model.loss),
    'shelfcast.link': model.link,
    'shelfcast.num_trees': String(model.trees.length),
    'shelfcast.precision': precision,
    ...options.metadata,
  };
  return g.serialize({
    producerName: options.producerName ?? 'shelfcast-ml',
    producerVersion: options.producerVersion ?? '1',
    modelVersion: options.modelVersion ?? 1,
    docString: options.docString ?? `Gradient-boosted trees (${model.loss.type}, ${model.trees.length} trees)`,
    opsets: { '': 17, 'ai.onnx.ml': 3 },
    irVersion: 8,
    metadata,
  });
}
