import { createRng } from '../core/random';
import { applyBins, findBins } from './binning';
import { RowKernels, numParts } from './kernels';

const instrumented = '__coverage__' in globalThis;

describe('RowKernels', () => {
  const n = 20_000;
  const nf = 6;
  const rng = createRng(9);
  const data = new Float32Array(n * nf).map((_, i) =>
    i % 7 === 0 ? NaN : Math.floor(rng.next() * (i % nf === 0 ? 3 : 300)),
  );
  const m = { data, numRows: n, numFeatures: nf };
  const binned = applyBins(m, findBins(m, { maxBin: 255, sampleSize: n, seed: 1, categorical: new Set([1]) }));
  const grad = Float64Array.from({ length: n }, () => rng.normal());
  const hess = Float64Array.from({ length: n }, () => rng.next());
  const active = Int32Array.from([0, 2, 3, 5]);

  /** Straightforward reference histogram of the given rows. */
  function reference(stride: 2 | 3, rows: Uint32Array): Float64Array {
    const h = new Float64Array((binned.totalHistBins + 1) * stride);
    for (const f of active) {
      for (const r of rows) {
        const k = (binned.histOffset[f] + binned.bins[f * n + r]) * stride;
        h[k] += grad[r];
        if (stride === 3) h[k + 1] += hess[r];
        h[k + stride - 1] += 1;
      }
    }
    return h;
  }

  for (const unit of [true, false]) {
    for (const encoding of ['quantized', 'exact'] as const) {
      it(`${encoding}, ${unit ? 'unit' : 'general'} hessians: matches a plain histogram, the same on 1 and 2 threads`, () => {
        const stride = unit ? 2 : 3;
        const results: Float64Array[] = [];
        for (const threads of [1, 2]) {
          const k = new RowKernels(binned, unit, threads, encoding);
          try {
            let cnt = 0;
            for (let r = 0; r < n; r += 2) k.rowIdx[cnt++] = r;
            expect(numParts(cnt)).toBe(2);
            k.grad.set(grad);
            k.hess.set(hess);
            k.prepare(
              k.rowIdx.slice(0, cnt).reduce((s, r) => s + Math.abs(grad[r]), 0),
              cnt,
            );
            const hist = new Float64Array(k.size);
            k.build(hist, 0, cnt, active);
            // Code instrumented for coverage cannot run in a worker: the builder then works alone.
            if (!instrumented) expect(k.numThreads).toBe(threads);
            expect(k.decodedStride).toBe(stride);
            const decoded = k.decode(hist);
            const ref = reference(stride, k.rowIdx.slice(0, cnt));
            for (const f of active) {
              const base = binned.histOffset[f] * stride;
              for (let s = base; s < base + (binned.features[f].numBins + 1) * stride; s += stride) {
                expect(Math.abs(decoded[s] - ref[s])).toBeLessThan(encoding === 'exact' ? 1e-9 : 1e-6);
                for (let j = 1; j < stride; j++) expect(decoded[s + j]).toBeCloseTo(ref[s + j], 9);
              }
            }
            results.push(hist);
          } finally {
            k.dispose();
          }
        }
        expect(Array.from(results[1])).toEqual(Array.from(results[0]));
      });
    }
  }

  it('partitions stably, with the same order on 1 and 2 threads', () => {
    const big = 70_000;
    const d = new Float32Array(big * 2).map((_, i) => (i % 11 === 0 ? NaN : (i * 7919) % 1000));
    const mm = { data: d, numRows: big, numFeatures: 2 };
    const b2 = applyBins(mm, findBins(mm, { maxBin: 255, sampleSize: big, seed: 1, categorical: new Set() }));
    const table = new Uint8Array(256);
    for (let b = 0; b < 100; b++) table[b] = 1;
    table[b2.features[1].numBins] = 1;
    const orders: number[][] = [];
    for (const threads of [1, 2]) {
      const k = new RowKernels(b2, true, threads);
      try {
        for (let r = 0; r < big; r++) k.rowIdx[r] = r;
        const mid = k.partition(0, big, 1, table);
        const rows = Array.from(k.rowIdx);
        const left = rows.slice(0, mid);
        const right = rows.slice(mid);
        expect(left.every((r) => table[b2.bins[big + r]] === 1)).toBe(true);
        expect(right.every((r) => table[b2.bins[big + r]] === 0)).toBe(true);
        expect(left).toEqual([...left].sort((a, b) => a - b));
        expect(right).toEqual([...right].sort((a, b) => a - b));
        orders.push(rows);
      } finally {
        k.dispose();
      }
    }
    expect(orders[1]).toEqual(orders[0]);
  });
});
