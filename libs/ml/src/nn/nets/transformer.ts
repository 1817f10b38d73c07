/**
 * A small Transformer encoder over the window (pre-norm, as in Xiong et al. 2020):
 *
 *   e = x·W_embed + b + PE                         (sinusoidal positional encoding, fixed)
 *   per layer:  e = e + MHA(LN1(e));  e = e + FF(LN2(e)),  FF(a) = ReLU(a·W1 + b1)·W2 + b2
 *   e = LN(e);  output = readout(e)·W_out + b_out  (readout: all tokens flattened, or the last one)
 *
 * MHA with h heads of size dk = D / h, no mask (every step of the window is history):
 *   softmax(Q·Kᵀ / sqrt(dk))·V per head, heads concatenated, then ·W_o + b_o.
 * ONNX: MatMul/Add, LayerNormalization (opset 17, axis −1), Reshape/Transpose into heads, MatMul,
 * Mul by 1/sqrt(dk), Softmax (axis −1), Flatten or Gather for the readout, Gemm.
 */
import type * as TF from '@tensorflow/tfjs';
import { attr, type OnnxGraphBuilder } from '../../onnx';
import type { Tf } from '../backend';
import { glorotUniform, filled, type Weight } from '../init';
import { dense, gemm, int64s, weightInitializer } from './onnx-helpers';
import { fastOps } from './ops';
import type { Net, TensorMap, TransformerConfig, WeightMap } from './types';

/** Sinusoidal positional encoding [T, D]: sin on even, cos on odd dimensions (Vaswani et al.). */
export function positionalEncoding(T: number, D: number): Float32Array {
  const pe = new Float32Array(T * D);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < D; i++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(i / 2)) / D);
      pe[t * D + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return pe;
}

const readoutSize = (c: TransformerConfig): number =>
  c.readout === 'flatten' ? c.windowLength * c.modelDim : c.modelDim;

function layerNorm(tf: Tf, x: TF.Tensor, gamma: TF.Tensor, beta: TF.Tensor, eps: number): TF.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

function onnxLayerNorm(g: OnnxGraphBuilder, x: string, w: WeightMap, prefix: string, eps: number): string {
  return g.node(
    'LayerNormalization',
    [x, weightInitializer(g, w[`${prefix}/gamma`]), weightInitializer(g, w[`${prefix}/beta`])],
    [prefix.replace(/\//g, '_')],
    { axis: attr.int(-1), epsilon: attr.float(eps) },
  )[0];
}

/** x [M, K] · W + b (optionally ReLU). */
function linear(tf: Tf, w: TensorMap, x: TF.Tensor, name: string, activation?: 'relu'): TF.Tensor {
  return fastOps(tf).linear(x, w[`${name}/kernel`], w[`${name}/bias`], activation);
}

export const transformerNet: Net<TransformerConfig> = {
  init(c, rng) {
    const D = c.modelDim;
    const w: Weight[] = [];
    const addDense = (name: string, fanIn: number, fanOut: number): void => {
      w.push(glorotUniform(rng, `${name}/kernel`, [fanIn, fanOut], fanIn, fanOut));
      w.push(filled(`${name}/bias`, [fanOut], 0));
    };
    const norm = (name: string): void => {
      w.push(filled(`${name}/gamma`, [D], 1));
      w.push(filled(`${name}/beta`, [D], 0));
    };
    addDense('embed', c.numChannels, D);
    for (let l = 0; l < c.layers; l++) {
      norm(`layer${l}/ln1`);
      for (const p of ['query', 'key', 'value', 'attn_out']) addDense(`layer${l}/${p}`, D, D);
      norm(`layer${l}/ln2`);
      addDense(`layer${l}/ff1`, D, c.ffDim);
      addDense(`layer${l}/ff2`, c.ffDim, D);
    }
    norm('final_ln');
    addDense('output', readoutSize(c), c.numOutputs);
    return w;
  },

  forward(tf, w, x, c) {
    const T = c.windowLength;
    const D = c.modelDim;
    const H = c.heads;
    const dk = D / H;
    const pe = tf.tensor2d(positionalEncoding(T, D), [T, D]);
    let e = tf.add(linear(tf, w, x.reshape([-1, c.numChannels]), 'embed').reshape([-1, T, D]), pe);
    const scale = tf.scalar(Math.fround(1 / Math.sqrt(dk)));
    // [N·T, D] → [N, H, T, dk] (keys: [N, H, dk, T], so that every product is a plain one).
    const heads = (t: TF.Tensor, perm = [0, 2, 1, 3]): TF.Tensor => t.reshape([-1, T, H, dk]).transpose(perm);
    const ops = fastOps(tf);
    for (let l = 0; l < c.layers; l++) {
      const p = `layer${l}`;
      const a = layerNorm(tf, e, w[`${p}/ln1/gamma`], w[`${p}/ln1/beta`], c.epsilon).reshape([-1, D]);
      const q = heads(linear(tf, w, a, `${p}/query`));
      const kT = heads(linear(tf, w, a, `${p}/key`), [0, 2, 3, 1]);
      const v = heads(linear(tf, w, a, `${p}/value`));
      const attention = tf.softmax(tf.mul(ops.batchMatMul(q, kT), scale));
      const context = ops.batchMatMul(attention, v).transpose([0, 2, 1, 3]).reshape([-1, D]);
      e = tf.add(e, linear(tf, w, context, `${p}/attn_out`).reshape([-1, T, D]));
      const b = layerNorm(tf, e, w[`${p}/ln2/gamma`], w[`${p}/ln2/beta`], c.epsilon).reshape([-1, D]);
      const ff = linear(tf, w, linear(tf, w, b, `${p}/ff1`, 'relu'), `${p}/ff2`);
      e = tf.add(e, ff.reshape([-1, T, D]));
    }
    e = layerNorm(tf, e, w['final_ln/gamma'], w['final_ln/beta'], c.epsilon);
    const r =
      c.readout === 'flatten' ? e.reshape([-1, T * D]) : tf.slice(e, [0, T - 1, 0], [-1, 1, D]).reshape([-1, D]);
    return linear(tf, w, r, 'output');
  },

  toOnnx(g, x, w, c) {
    const T = c.windowLength;
    const D = c.modelDim;
    const H = c.heads;
    const dk = D / H;
    const embedded = dense(g, x, w['embed/kernel'], w['embed/bias'], 'embed');
    const pe = g.initializer('positional_encoding', 'float', [T, D], positionalEncoding(T, D));
    let e = g.node('Add', [embedded, pe], ['embed_pe'])[0];
    const headShape = int64s(g, 'head_shape', [0, 0, H, dk]);
    const modelShape = int64s(g, 'model_shape', [0, 0, D]);
    const scale = g.initializer('attention_scale', 'float', [], [Math.fround(1 / Math.sqrt(dk))]);
    for (let l = 0; l < c.layers; l++) {
      const p = `layer${l}`;
      const a = onnxLayerNorm(g, e, w, `${p}/ln1`, c.epsilon);
      // [N, T, D] → [N, T, H, dk] → [N, H, T, dk] (keys: [N, H, dk, T]).
      const split = (name: string, perm: number[]): string => {
        const y = dense(g, a, w[`${p}/${name}/kernel`], w[`${p}/${name}/bias`], `${p}_${name}`);
        const [r] = g.node('Reshape', [y, headShape], [`${p}_${name}_heads`]);
        return g.node('Transpose', [r], [`${p}_${name}_t`], { perm: attr.ints(perm) })[0];
      };
      const q = split('query', [0, 2, 1, 3]);
      const kT = split('key', [0, 2, 3, 1]);
      const v = split('value', [0, 2, 1, 3]);
      const [scores] = g.node('MatMul', [q, kT], [`${p}_scores`]);
      const [scaled] = g.node('Mul', [scores, scale], [`${p}_scores_scaled`]);
      const [attention] = g.node('Softmax', [scaled], [`${p}_attention`], { axis: attr.int(-1) });
      const [ctx] = g.node('MatMul', [attention, v], [`${p}_context_heads`]);
      const [ctxT] = g.node('Transpose', [ctx], [`${p}_context_t`], { perm: attr.ints([0, 2, 1, 3]) });
      const [context] = g.node('Reshape', [ctxT, modelShape], [`${p}_context`]);
      const attnOut = dense(g, context, w[`${p}/attn_out/kernel`], w[`${p}/attn_out/bias`], `${p}_attn_out`);
      e = g.node('Add', [e, attnOut], [`${p}_residual1`])[0];
      const b = onnxLayerNorm(g, e, w, `${p}/ln2`, c.epsilon);
      const f1 = dense(g, b, w[`${p}/ff1/kernel`], w[`${p}/ff1/bias`], `${p}_ff1`);
      const [r1] = g.node('Relu', [f1], [`${p}_ff1_relu`]);
      const f2 = dense(g, r1, w[`${p}/ff2/kernel`], w[`${p}/ff2/bias`], `${p}_ff2`);
      e = g.node('Add', [e, f2], [`${p}_residual2`])[0];
    }
    e = onnxLayerNorm(g, e, w, 'final_ln', c.epsilon);
    const r =
      c.readout === 'flatten'
        ? g.node('Flatten', [e], ['readout'], { axis: attr.int(1) })[0]
        : g.node('Gather', [e, int64s(g, 'last_token', [T - 1], [])], ['readout'], { axis: attr.int(1) })[0];
    return gemm(g, r, w['output/kernel'], w['output/bias'], 'raw_output');
  },
};
