import { attr, OnnxGraphBuilder } from './builder';
import { checkOnnxParity } from './parity';

describe('OnnxGraphBuilder', () => {
  it('builds a small dense network (Gemm, Relu) that onnxruntime runs', async () => {
    // y = relu(x W1 + b1) W2 + b2 with x [N, 3].
    const W1 = [1, -1, 0.5, 2, 0, -0.5];
    const b1 = [0.1, -0.2];
    const W2 = [1.5, -2];
    const b2 = [0.3];
    const g = new OnnxGraphBuilder('mlp');
    const x = g.input('features', 'float', ['N', 3]);
    const w1 = g.initializer('W1', 'float', [3, 2], W1);
    const bb1 = g.initializer('b1', 'float', [2], b1);
    const w2 = g.initializer('W2', 'float', [2, 1], W2);
    const bb2 = g.initializer('b2', 'float', [1], b2);
    const [h] = g.node('Gemm', [x, w1, bb1], ['hidden'], { alpha: attr.float(1), transB: attr.int(0) });
    const [r] = g.node('Relu', [h], ['hidden_relu']);
    const [y] = g.node('Gemm', [r, w2, bb2], ['prediction']);
    g.output(y, 'float', ['N', 1]);
    const bytes = g.serialize({ producerName: 'test', opsets: { '': 17 } });

    const rows = Float32Array.from([1, 2, 3, -1, 0.5, 2, 0, 0, 0]);
    const expected = [0, 1, 2].map((r) => {
      const xr = [rows[3 * r], rows[3 * r + 1], rows[3 * r + 2]];
      const hidden = [0, 1].map((j) => Math.max(0, xr[0] * W1[j] + xr[1] * W1[2 + j] + xr[2] * W1[4 + j] + b1[j]));
      return hidden[0] * W2[0] + hidden[1] * W2[1] + b2[0];
    });
    const report = await checkOnnxParity(bytes, { data: rows, numRows: 3, numFeatures: 3 }, expected);
    expect(report.maxRelDiff).toBeLessThan(1e-6);
  });

  it('refuses a value name used twice', () => {
    const g = new OnnxGraphBuilder('g');
    g.input('x', 'float', [1]);
    expect(() => g.input('x', 'float', [1])).toThrow(/twice/);
  });
});
