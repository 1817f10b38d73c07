/**
 * Multilayer perceptron: Dense + ReLU per hidden layer, then a linear output layer.
 * ONNX: Gemm, Relu, ..., Gemm.
 */
import type * as TF from '@tensorflow/tfjs';
import { glorotUniform, filled, type Weight } from '../init';
import { gemm } from './onnx-helpers';
import { fastOps } from './ops';
import type { MlpConfig, Net } from './types';

export const mlpNet: Net<MlpConfig> = {
  init(c, rng) {
    const sizes = [c.numFeatures, ...c.hiddenLayers, c.numOutputs];
    const w: Weight[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const name = l + 2 < sizes.length ? `dense${l}` : 'output';
      w.push(glorotUniform(rng, `${name}/kernel`, [sizes[l], sizes[l + 1]], sizes[l], sizes[l + 1]));
      w.push(filled(`${name}/bias`, [sizes[l + 1]], 0));
    }
    return w;
  },

  forward(tf, w, x, c) {
    const ops = fastOps(tf);
    let h: TF.Tensor = x;
    c.hiddenLayers.forEach((_, l) => {
      h = ops.linear(h, w[`dense${l}/kernel`], w[`dense${l}/bias`], 'relu');
    });
    return ops.linear(h, w['output/kernel'], w['output/bias']);
  },

  toOnnx(g, x, w, c) {
    let h = x;
    c.hiddenLayers.forEach((_, l) => {
      const z = gemm(g, h, w[`dense${l}/kernel`], w[`dense${l}/bias`], `dense${l}`);
      h = g.node('Relu', [z], [`dense${l}_relu`])[0];
    });
    return gemm(g, h, w['output/kernel'], w['output/bias'], 'raw_output');
  },
};
