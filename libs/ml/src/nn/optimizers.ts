/**
 * Optimisers on the weights as plain float32 arrays (TensorFlow.js only computes the gradients):
 * one update per weight array instead of a dozen small kernels per variable, the same update on any
 * backend, and the state is ours to reason about.
 *
 * SGD with momentum μ (PyTorch's form, dampening 0): v = μ·v + g;  w −= lr·v, or lr·(g + μ·v) for
 * Nesterov; μ = 0 is plain SGD.
 * Adam (Kingma & Ba): m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
 *   w −= lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε).
 * State in float64; the weights stay float32.
 */
import type { OptimizerConfig } from './types';

/** The configuration with every default filled in. */
export function resolveOptimizer(o: OptimizerConfig = { type: 'adam' }): Required<OptimizerConfig> {
  switch (o.type) {
    case 'adam': {
      const r = {
        type: 'adam' as const,
        learningRate: o.learningRate ?? 1e-3,
        beta1: o.beta1 ?? 0.9,
        beta2: o.beta2 ?? 0.999,
        epsilon: o.epsilon ?? 1e-7,
      };
      if (!(r.learningRate > 0)) throw new Error(`adam learningRate must be > 0, got ${r.learningRate}`);
      if (!(r.beta1 >= 0 && r.beta1 < 1 && r.beta2 >= 0 && r.beta2 < 1))
        throw new Error('adam betas must be in [0, 1)');
      if (!(r.epsilon > 0)) throw new Error(`adam epsilon must be > 0, got ${r.epsilon}`);
      return r;
    }
    case 'sgd': {
      const r = {
        type: 'sgd' as const,
        learningRate: o.learningRate ?? 0.01,
        momentum: o.momentum ?? 0.9,
        nesterov: o.nesterov ?? false,
      };
      if (!(r.learningRate > 0)) throw new Error(`sgd learningRate must be > 0, got ${r.learningRate}`);
      if (!(r.momentum >= 0 && r.momentum < 1)) throw new Error(`sgd momentum must be in [0, 1), got ${r.momentum}`);
      return r;
    }
    default: {
      const never: never = o;
      throw new Error(`unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}

export interface Optimizer {
  /** Updates every weight array in place from its gradient. */
  step(weights: Float32Array[], grads: ArrayLike<number>[]): void;
}

export function createOptimizer(o: Required<OptimizerConfig>, sizes: number[]): Optimizer {
  switch (o.type) {
    case 'sgd': {
      const velocity = sizes.map((n) => new Float64Array(n));
      return {
        step(weights, grads) {
          weights.forEach((w, k) => {
            const g = grads[k];
            const v = velocity[k];
            for (let i = 0; i < w.length; i++) {
              if (o.momentum === 0) {
                w[i] -= o.learningRate * g[i];
                continue;
              }
              v[i] = o.momentum * v[i] + g[i];
              w[i] -= o.learningRate * (o.nesterov ? g[i] + o.momentum * v[i] : v[i]);
            }
          });
        },
      };
    }
    case 'adam': {
      const m = sizes.map((n) => new Float64Array(n));
      const v = sizes.map((n) => new Float64Array(n));
      let t = 0;
      return {
        step(weights, grads) {
          t++;
          const c1 = 1 - Math.pow(o.beta1, t);
          const c2 = 1 - Math.pow(o.beta2, t);
          weights.forEach((w, k) => {
            const g = grads[k];
            const mk = m[k];
            const vk = v[k];
            for (let i = 0; i < w.length; i++) {
              mk[i] = o.beta1 * mk[i] + (1 - o.beta1) * g[i];
              vk[i] = o.beta2 * vk[i] + (1 - o.beta2) * g[i] * g[i];
              w[i] -= (o.learningRate * (mk[i] / c1)) / (Math.sqrt(vk[i] / c2) + o.epsilon);
            }
          });
        },
      };
    }
    default: {
      const never: never = o;
      throw new Error(`unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}

/** Scales the gradients in place by min(1, clipNorm / ‖g‖), ‖g‖ the global L2 norm; returns ‖g‖. */
export function clipByGlobalNorm(grads: Float32Array[], clipNorm: number): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  const norm = Math.sqrt(ss);
  if (norm > clipNorm) {
    const f = clipNorm / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= f;
  }
  return norm;
}
