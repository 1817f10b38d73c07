/**
 * Seeded weight initialisers: every initial weight comes from createRng, never from TensorFlow.js's
 * own random ops, so the same seed gives the same network on any machine.
 */
import type { Rng } from '../core/random';

/** A named weight tensor (row-major float32). */
export interface Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Glorot (Xavier) uniform: U(−l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, name: string, shape: number[], fanIn: number, fanOut: number): Weight {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * limit;
  return { name, shape, values };
}

/** A [rows, cols] matrix with orthonormal rows (rows <= cols) or columns (by Gram–Schmidt of a normal draw). */
export function orthogonal(rng: Rng, name: string, rows: number, cols: number): Weight {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // m orthonormal vectors of length n.
  const q: Float64Array[] = [];
  for (let k = 0; k < m; k++) {
    let v = new Float64Array(n);
    for (let tries = 0; ; tries++) {
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
      const norm = Math.hypot(...v);
      if (norm > 1e-6 || tries > 10) {
        v = v.map((x) => x / norm);
        break;
      }
    }
    q.push(v);
  }
  const values = new Float32Array(rows * cols);
  for (let k = 0; k < m; k++)
    for (let i = 0; i < n; i++) {
      // rows <= cols: vector k is row k; otherwise it is column k.
      if (rows <= cols) values[k * cols + i] = q[k][i];
      else values[i * cols + k] = q[k][i];
    }
  return { name, shape: [rows, cols], values };
}

export function filled(name: string, shape: number[], value: number): Weight {
  return { name, shape, values: new Float32Array(sizeOf(shape)).fill(value) };
}
