import { createRng } from '../core/random';
import { orthogonal } from './init';
import { base64ToFloat32, float32ToBase64 } from './serialize';
import { lastValueForecast, windowsFromSeries, sliceWindows } from './windows';

describe('windowsFromSeries', () => {
  it('cuts windows of T steps and targets at each horizon', () => {
    const w = windowsFromSeries([0, 1, 2, 3, 4, 5, 6], { windowLength: 3, horizons: [1, 2] });
    // Origins 3, 4, 5 (the last needs value 6 for horizon 2).
    expect(w.numWindows).toBe(3);
    expect(Array.from(w.data)).toEqual([0, 1, 2, 1, 2, 3, 2, 3, 4]);
    expect(Array.from(w.target)).toEqual([3, 4, 4, 5, 5, 6]);
    expect(Array.from(w.origin)).toEqual([3, 4, 5]);
    expect(w.numOutputs).toBe(2);
    expect(w.horizons).toEqual([1, 2]);
    expect(Array.from(lastValueForecast(w, 2))).toEqual([2, 2, 3, 3, 4, 4]);
  });

  it('orders windows of many series by origin (time), with covariates as channels', () => {
    const w = windowsFromSeries(
      [
        { values: [10, 11, 12, 13], covariates: [[0, 1, 0, 1]] },
        { values: [20, 21, 22], covariates: [[5, 5, 5]] },
      ],
      { windowLength: 2, channelNames: ['sales', 'promo'] },
    );
    expect(w.numChannels).toBe(2);
    expect(Array.from(w.seriesIndex)).toEqual([0, 1, 0]);
    expect(Array.from(w.origin)).toEqual([2, 2, 3]);
    expect(Array.from(w.data.subarray(0, 4))).toEqual([10, 0, 11, 1]);
    expect(Array.from(w.target)).toEqual([12, 22, 13]);
    const s = sliceWindows(w, 1, 3);
    expect(s.numWindows).toBe(2);
    expect(Array.from(s.target)).toEqual([22, 13]);
    expect(Array.from(s.data.subarray(0, 4))).toEqual([20, 5, 21, 5]);
  });

  it('rejects bad options', () => {
    expect(() => windowsFromSeries([1, 2, 3], { windowLength: 0 })).toThrow(/windowLength/);
    expect(() => windowsFromSeries([1, 2, 3], { windowLength: 1, horizons: [0] })).toThrow(/horizons/);
    expect(windowsFromSeries([1, 2], { windowLength: 2 }).numWindows).toBe(0);
  });
});

describe('weights', () => {
  it('base64 float32 round-trips exactly (little-endian)', () => {
    const a = Float32Array.of(0, -0, 1.5, -3.25e-8, 3.4e38, NaN, Infinity);
    const back = base64ToFloat32(float32ToBase64(a));
    expect(Array.from(back)).toEqual(Array.from(a));
    expect(float32ToBase64(Float32Array.of(1))).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
    expect(() => base64ToFloat32(float32ToBase64(a), 3)).toThrow(/expected 3/);
  });

  it('orthogonal initialisation has orthonormal rows', () => {
    const w = orthogonal(createRng(1), 'r', 4, 16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let k = 0; k < 16; k++) dot += w.values[i * 16 + k] * w.values[j * 16 + k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
  });
});
