/**
 * Temporal convolution network: one causal 1-D convolution (kernel k, dilation d, ReLU) per dilation,
 * residual from the second layer on, the last time step feeding a linear output layer.
 *
 * A causal convolution pads (k−1)·d zeros on the left: y[t] = Σ_j W_j · x[t − (k−1−j)·d] + b.
 * TensorFlow.js computes it as one matrix product of the k shifted windows (im2col; the wasm backend
 * has no Conv2D filter gradient), our kernel [k·C, F] indexed (j·C + c, f).
 * ONNX: the window is transposed to [N, C, T] and each layer is a Conv with a 3-D input, W [F, C, k],
 * dilations [d] and pads [(k−1)·d, 0]; the last step is sliced and flattened to [N, F] for a Gemm.
 */
import type * as TF from '@tensorflow/tfjs';
import { attr } from '../../onnx';
import { glorotUniform, filled, type Weight } from '../init';
import { gemm, int64s, weightInitializer } from './onnx-helpers';
import { fastOps } from './ops';
import type { Net, TcnConfig } from './types';

/** Our kernel [k·C, F] as an ONNX Conv weight [F, C, k]. */
function toOnnxConv(kernel: Weight, k: number): Float32Array {
  const [kc, f] = kernel.shape;
  const ch = kc / k;
  const out = new Float32Array(kc * f);
  for (let o = 0; o < f; o++)
    for (let c = 0; c < ch; c++)
      for (let j = 0; j < k; j++) out[(o * ch + c) * k + j] = kernel.values[(j * ch + c) * f + o];
  return out;
}

export const tcnNet: Net<TcnConfig> = {
  init(c, rng) {
    const k = c.kernelSize;
    const F = c.filters;
    const w: Weight[] = [];
    c.dilations.forEach((_, l) => {
      const ch = l === 0 ? c.numChannels : F;
      w.push(glorotUniform(rng, `conv${l}/kernel`, [k * ch, F], k * ch, k * F));
      w.push(filled(`conv${l}/bias`, [F], 0));
    });
    w.push(glorotUniform(rng, 'output/kernel', [F, c.numOutputs], F, c.numOutputs));
    w.push(filled('output/bias', [c.numOutputs], 0));
    return w;
  },

  forward(tf, w, x, c) {
    const T = c.windowLength;
    const k = c.kernelSize;
    const F = c.filters;
    const ops = fastOps(tf);
    let h = x as TF.Tensor3D;
    c.dilations.forEach((d, l) => {
      const ch = h.shape[2];
      const pad = (k - 1) * d;
      const padded =
        pad > 0
          ? tf.pad(h, [
              [0, 0],
              [pad, 0],
              [0, 0],
            ])
          : h;
      const taps = Array.from({ length: k }, (_, j) => tf.slice(padded, [0, j * d, 0], [-1, T, ch]));
      const cols = k === 1 ? taps[0] : tf.concat(taps, 2);
      const y = ops
        .linear(cols.reshape([-1, k * ch]), w[`conv${l}/kernel`], w[`conv${l}/bias`], 'relu')
        .reshape([-1, T, F]) as TF.Tensor3D;
      h = l > 0 ? tf.add(h, y) : y;
    });
    const last = tf.slice(h, [0, T - 1, 0], [-1, 1, F]).reshape([-1, F]);
    return ops.linear(last, w['output/kernel'], w['output/bias']);
  },

  toOnnx(g, x, w, c) {
    const k = c.kernelSize;
    const T = c.windowLength;
    let h = g.node('Transpose', [x], ['window_channels_first'], { perm: attr.ints([0, 2, 1]) })[0];
    c.dilations.forEach((d, l) => {
      const kernel = w[`conv${l}/kernel`];
      const ch = kernel.shape[0] / k;
      const [conv] = g.node(
        'Conv',
        [
          h,
          weightInitializer(g, kernel, [c.filters, ch, k], toOnnxConv(kernel, k)),
          weightInitializer(g, w[`conv${l}/bias`]),
        ],
        [`conv${l}`],
        {
          kernel_shape: attr.ints([k]),
          dilations: attr.ints([d]),
          pads: attr.ints([(k - 1) * d, 0]),
          strides: attr.ints([1]),
        },
      );
      const [y] = g.node('Relu', [conv], [`conv${l}_relu`]);
      h = l > 0 ? g.node('Add', [h, y], [`block${l}`])[0] : y;
    });
    const [step] = g.node(
      'Slice',
      [h, int64s(g, 'last_step_start', [T - 1]), int64s(g, 'last_step_end', [T]), int64s(g, 'time_axis', [2])],
      ['last_step'],
    );
    const [flat] = g.node('Flatten', [step], ['last_step_flat'], { axis: attr.int(1) });
    return gemm(g, flat, w['output/kernel'], w['output/bias'], 'raw_output');
  },
};
