import { MultisetHash, RowEncoder, type HashedRow } from './content-hash';

function rows(n: number, nf = 5): HashedRow[] {
  return Array.from({ length: n }, (_, i) => ({
    seriesKey: `s${i % 3}|p${i}`,
    anchor: 100 + (i % 4),
    horizon: 1 + (i % 7),
    features: Float32Array.from({ length: nf * 2 }, (_, f) => (f === 3 ? NaN : i * 0.5 + f)),
    offset: nf * (i % 2),
    numFeatures: nf,
    target: i % 5 === 0 ? NaN : i * 1.25,
    censored: i % 9 === 0 ? 1 : 0,
    scale: 1 + i / 10,
  }));
}

function hashOf(list: readonly HashedRow[], context = 'ctx'): string {
  const h = new MultisetHash();
  const e = new RowEncoder();
  for (const r of list) h.add(e.encode(r));
  return h.digest(context);
}

/** A seeded shuffle (xorshift). */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('dataset content hash', () => {
  const base = rows(200);

  it('does not depend on the order the rows come in', () => {
    const h = hashOf(base);
    expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const seed of [1, 2, 3]) expect(hashOf(shuffled(base, seed))).toBe(h);
    expect(hashOf([...base].reverse())).toBe(h);
  });

  it('changes with any row content, the number of copies of a row, or the context', () => {
    const h = hashOf(base);
    const changed = base.map((r, i) => (i === 17 ? { ...r, features: Float32Array.from(r.features) } : r));
    changed[17].features[changed[17].offset] = Math.fround(changed[17].features[changed[17].offset] + 1e-3);
    expect(hashOf(changed)).not.toBe(h);
    expect(hashOf(base.map((r, i) => (i === 5 ? { ...r, target: 0 } : r)))).not.toBe(h);
    expect(hashOf(base.map((r, i) => (i === 8 ? { ...r, censored: 1 } : r)))).not.toBe(h);
    expect(hashOf(base.map((r, i) => (i === 8 ? { ...r, horizon: r.horizon + 1 } : r)))).not.toBe(h);
    expect(hashOf(base.map((r, i) => (i === 8 ? { ...r, seriesKey: 'other|x' } : r)))).not.toBe(h);
    expect(hashOf([...base, base[0]])).not.toBe(h);
    expect(hashOf(base.slice(1))).not.toBe(h);
    expect(hashOf(base, 'other')).not.toBe(h);
  });

  it('reads every NaN bit pattern as one', () => {
    const quiet = rows(1);
    const other = rows(1);
    const bits = new Uint32Array(other[0].features.buffer);
    bits[3] = 0x7fc00001; // another NaN payload at the NaN feature
    expect(Number.isNaN(other[0].features[3])).toBe(true);
    expect(hashOf(other)).toBe(hashOf(quiet));
  });
});
