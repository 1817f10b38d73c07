/**
 * LSTM over the window (one or more stacked layers), the last hidden state feeding a linear output
 * layer.
 *
 * Cell (gates i, f, g, o in that order in our weights, as Keras):
 *   z = x_t·W + h·R + b;  i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)
 *   c = f ⊙ c + i ⊙ g;   h = o ⊙ tanh(c)
 * ONNX: the window [N, T, C] is transposed to [T, N, C] for the standard LSTM op, whose gates are
 * ordered i, o, f, c and whose weights are W [1, 4H, C], R [1, 4H, H] (transposed against ours) and
 * B [1, 8H] = [Wb; Rb] (ours in Wb, zeros in Rb). Stacked layers feed Y [T, 1, N, H] squeezed to
 * [T, N, H]; the last layer's Y_h [1, N, H] is squeezed to [N, H].
 */
import type * as TF from '@tensorflow/tfjs';
import { attr } from '../../onnx';
import { glorotUniform, filled, orthogonal, type Weight } from '../init';
import { gemm, int64s, weightInitializer } from './onnx-helpers';
import { fastOps } from './ops';
import type { LstmConfig, Net } from './types';

/** Our gate blocks (i, f, g, o) in ONNX order (i, o, f, c). */
const ONNX_GATE_ORDER = [0, 3, 1, 2];

/** Our kernel [K, 4H] (x·W) as an ONNX LSTM weight [1, 4H, K], gates reordered. */
function toOnnxGates(kernel: Weight, units: number): Float32Array {
  const [k, fourH] = kernel.shape;
  const out = new Float32Array(fourH * k);
  ONNX_GATE_ORDER.forEach((ours, onnxGate) => {
    for (let j = 0; j < units; j++)
      for (let i = 0; i < k; i++) out[(onnxGate * units + j) * k + i] = kernel.values[i * fourH + ours * units + j];
  });
  return out;
}

export const lstmNet: Net<LstmConfig> = {
  init(c, rng) {
    const H = c.units;
    const w: Weight[] = [];
    for (let l = 0; l < c.layers; l++) {
      const inSize = l === 0 ? c.numChannels : H;
      w.push(glorotUniform(rng, `lstm${l}/kernel`, [inSize, 4 * H], inSize, 4 * H));
      w.push(orthogonal(rng, `lstm${l}/recurrent_kernel`, H, 4 * H));
      const bias = filled(`lstm${l}/bias`, [4 * H], 0);
      bias.values.fill(1, H, 2 * H); // forget gate bias 1 (Jozefowicz et al.)
      w.push(bias);
    }
    w.push(glorotUniform(rng, 'output/kernel', [H, c.numOutputs], H, c.numOutputs));
    w.push(filled('output/bias', [c.numOutputs], 0));
    return w;
  },

  forward(tf, w, x, c) {
    const T = c.windowLength;
    const H = c.units;
    const ops = fastOps(tf);
    let seq = x;
    let h: TF.Tensor | undefined;
    for (let l = 0; l < c.layers; l++) {
      const inSize = seq.shape[2] as number;
      const xw = ops
        .linear(seq.reshape([-1, inSize]), w[`lstm${l}/kernel`], w[`lstm${l}/bias`])
        .reshape([-1, T, 4 * H]);
      const steps = tf.unstack(xw, 1);
      const R = w[`lstm${l}/recurrent_kernel`];
      let cell: TF.Tensor | undefined;
      h = undefined;
      const hs: TF.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const z: TF.Tensor = h ? tf.add(steps[t], ops.matMul(h, R)) : steps[t];
        const [zi, zf, zg, zo] = tf.split(z, 4, 1);
        const i = tf.sigmoid(zi);
        const g = tf.tanh(zg);
        cell = cell ? tf.add(tf.mul(tf.sigmoid(zf), cell), tf.mul(i, g)) : tf.mul(i, g);
        h = tf.mul(tf.sigmoid(zo), tf.tanh(cell));
        if (l + 1 < c.layers) hs.push(h);
      }
      if (l + 1 < c.layers) seq = tf.stack(hs, 1);
    }
    if (!h) throw new Error('LSTM over an empty window');
    return ops.linear(h, w['output/kernel'], w['output/bias']);
  },

  toOnnx(g, x, w, c) {
    const H = c.units;
    let seq = g.node('Transpose', [x], ['window_time_major'], { perm: attr.ints([1, 0, 2]) })[0];
    let last = '';
    for (let l = 0; l < c.layers; l++) {
      const kernel = w[`lstm${l}/kernel`];
      const inSize = kernel.shape[0];
      const bias = w[`lstm${l}/bias`];
      const B = new Float32Array(8 * H);
      ONNX_GATE_ORDER.forEach((ours, onnxGate) => B.set(bias.values.subarray(ours * H, (ours + 1) * H), onnxGate * H));
      const [y, yh] = g.node(
        'LSTM',
        [
          seq,
          weightInitializer(g, kernel, [1, 4 * H, inSize], toOnnxGates(kernel, H)),
          weightInitializer(
            g,
            w[`lstm${l}/recurrent_kernel`],
            [1, 4 * H, H],
            toOnnxGates(w[`lstm${l}/recurrent_kernel`], H),
          ),
          weightInitializer(g, bias, [1, 8 * H], B),
        ],
        [`lstm${l}_y`, `lstm${l}_y_h`],
        { hidden_size: attr.int(H), direction: attr.string('forward') },
      );
      if (l + 1 < c.layers) seq = g.node('Squeeze', [y, int64s(g, 'axis_1', [1])], [`lstm${l}_seq`])[0];
      last = yh;
    }
    const hT = g.node('Squeeze', [last, int64s(g, 'axis_0', [0])], ['lstm_last_hidden'])[0];
    return gemm(g, hT, w['output/kernel'], w['output/bias'], 'raw_output');
  },
};
