/**
 * Matrix products whose gradients run fast on the wasm backend.
 *
 * Its BatchMatMul kernel takes a fast path only without transposed operands; the built-in gradients
 * of matMul multiply by transposes (x^T·dy, dy·W^T) and measured about 5× slower than a plain product
 * of the same size, which made the backward pass ~12× the forward. These ops transpose explicitly and
 * multiply plainly in the backward pass; their forward values are those of tf.fused.matMul/tf.matMul.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../backend';

export interface FastOps {
  /** x [M, K] · W [K, U] + b [U], optionally ReLU. */
  linear(x: TF.Tensor, w: TF.Tensor, b: TF.Tensor, activation?: 'relu'): TF.Tensor;
  /** a [M, K] · b [K, U]. */
  matMul(a: TF.Tensor, b: TF.Tensor): TF.Tensor;
  /** a [..., M, K] · b [..., K, U] for rank-4 operands (attention heads). */
  batchMatMul(a: TF.Tensor, b: TF.Tensor): TF.Tensor;
}

const cache = new WeakMap<Tf, FastOps>();

type Save = (save: TF.Tensor[]) => void;

function build(tf: Tf): FastOps {
  const dense = (activation: 'relu' | 'linear') =>
    tf.customGrad((...args: (TF.Tensor | Save)[]) => {
      const [x, w, b, save] = args as [TF.Tensor2D, TF.Tensor2D, TF.Tensor1D, Save];
      const y = tf.fused.matMul({ a: x, b: w, bias: b, activation });
      save(activation === 'relu' ? [x, w, y] : [x, w]);
      return {
        value: y,
        gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
          const [sx, sw, sy] = saved;
          const dz = sy ? tf.mul(dy, tf.step(sy)) : dy;
          return [tf.matMul(dz, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dz), tf.sum(dz, 0)];
        },
      };
    });
  const relu = dense('relu');
  const linear = dense('linear');
  const matMul = tf.customGrad((...args: (TF.Tensor | Save)[]) => {
    const [a, b, save] = args as [TF.Tensor2D, TF.Tensor2D, Save];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: TF.Tensor, [sa, sb]: TF.Tensor[]) => [
        tf.matMul(dy, tf.transpose(sb)),
        tf.matMul(tf.transpose(sa), dy),
      ],
    };
  });
  const swapLast = [0, 1, 3, 2];
  const batchMatMul = tf.customGrad((...args: (TF.Tensor | Save)[]) => {
    const [a, b, save] = args as [TF.Tensor4D, TF.Tensor4D, Save];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: TF.Tensor, [sa, sb]: TF.Tensor[]) => [
        tf.matMul(dy, tf.transpose(sb, swapLast)),
        tf.matMul(tf.transpose(sa, swapLast), dy),
      ],
    };
  });
  return {
    linear: (x, w, b, activation) => (activation === 'relu' ? relu(x, w, b) : linear(x, w, b)),
    matMul: (a, b) => matMul(a, b),
    batchMatMul: (a, b) => batchMatMul(a, b),
  };
}

/** The fast ops of a TensorFlow.js instance. */
export function fastOps(tf: Tf): FastOps {
  let ops = cache.get(tf);
  if (!ops) {
    ops = build(tf);
    cache.set(tf, ops);
  }
  return ops;
}
