import type { TuneSpec } from '@shelfcast/contracts';

type Value = number | string | boolean;
type Space = TuneSpec['search']['space'];

/** A small seeded generator (mulberry32): the same seed gives the same trials on every worker. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds a sampled number to 6 significant digits, so recorded hyper-parameters read well. */
const tidy = (x: number) => Number(x.toPrecision(6));

/**
 * The hyper-parameters of each trial: every dimension sampled independently (uniform over a list of
 * values, uniform or log-uniform over a range, rounded for integers), over the base values. When the
 * space is only lists and holds no more combinations than trials, the trials are the full grid.
 */
export function sampleTrials(
  space: Space,
  trials: number,
  seed: number,
  base: Record<string, Value> = {},
): Array<Record<string, Value>> {
  const names = Object.keys(space).sort();
  const lists = names.map((n) => space[n]).filter((d): d is { values: Value[] } => 'values' in d);
  if (lists.length === names.length) {
    const size = lists.reduce((p, d) => p * d.values.length, 1);
    if (size <= trials) return grid(names, lists).map((point) => ({ ...base, ...point }));
  }
  const random = generator(seed);
  const out: Array<Record<string, Value>> = [];
  for (let t = 0; t < trials; t++) {
    const point: Record<string, Value> = {};
    for (const name of names) {
      const d = space[name];
      if ('values' in d) {
        point[name] = d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))];
        continue;
      }
      const u = random();
      let x =
        d.scale === 'log'
          ? Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min)))
          : d.min + u * (d.max - d.min);
      x = d.integer ? Math.min(Math.floor(d.max), Math.max(Math.ceil(d.min), Math.round(x))) : tidy(x);
      point[name] = x;
    }
    out.push({ ...base, ...point });
  }
  return out;
}

function grid(names: string[], dims: Array<{ values: Value[] }>): Array<Record<string, Value>> {
  let points: Array<Record<string, Value>> = [{}];
  dims.forEach((d, i) => {
    points = points.flatMap((p) => d.values.map((v) => ({ ...p, [names[i]]: v })));
  });
  return points;
}
