/**
 * Small helpers the networks share when they describe themselves as ONNX nodes.
 */
import { attr, type OnnxGraphBuilder } from '../../onnx';
import type { Weight } from '../init';

/** A float initializer holding a weight (optionally re-laid out: other dims and values). */
export function weightInitializer(
  g: OnnxGraphBuilder,
  w: Weight,
  dims = w.shape,
  values: ArrayLike<number> = w.values,
): string {
  return g.initializer(w.name.replace(/\//g, '_'), 'float', dims, values);
}

/** An int64 initializer (shapes, axes, indices). */
export function int64s(g: OnnxGraphBuilder, name: string, values: number[], dims = [values.length]): string {
  return g.initializer(name, 'int64', dims, values);
}

/** y = x·W + b for x [N, K] (Gemm). */
export function gemm(g: OnnxGraphBuilder, x: string, kernel: Weight, bias: Weight, out: string): string {
  return g.node('Gemm', [x, weightInitializer(g, kernel), weightInitializer(g, bias)], [out], {
    alpha: attr.float(1),
    beta: attr.float(1),
  })[0];
}

/** y = x·W + b over the last axis of x [..., K] (MatMul then Add). */
export function dense(g: OnnxGraphBuilder, x: string, kernel: Weight, bias: Weight, out: string): string {
  const [m] = g.node('MatMul', [x, weightInitializer(g, kernel)], [`${out}_matmul`]);
  return g.node('Add', [m, weightInitializer(g, bias)], [out])[0];
}
