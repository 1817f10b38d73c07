/**
 * Seeded synthetic series for tests and examples of the neural nets.
 */
import { createRng } from '../core/random';

export interface SeasonalSeriesOptions {
  length: number;
  seed: number;
  /** Default 10. */
  level?: number;
  /** Main period in steps. Default 7. */
  period?: number;
  /** Default 3. */
  amplitude?: number;
  /** A second, slower cycle: its period (0 = none). Default 0. */
  secondPeriod?: number;
  /** Default 1. */
  secondAmplitude?: number;
  /** Standard deviation of the Gaussian noise. Default 0.3. */
  noise?: number;
}

/** level + amplitude·sin(2πt/period) + secondAmplitude·sin(2πt/secondPeriod) + noise. */
export function seasonalSeries(o: SeasonalSeriesOptions): Float64Array {
  const rng = createRng(o.seed);
  const level = o.level ?? 10;
  const period = o.period ?? 7;
  const amplitude = o.amplitude ?? 3;
  const noise = o.noise ?? 0.3;
  const p2 = o.secondPeriod ?? 0;
  const a2 = o.secondAmplitude ?? 1;
  return Float64Array.from({ length: o.length }, (_, t) => {
    const slow = p2 > 0 ? a2 * Math.sin((2 * Math.PI * t) / p2) : 0;
    return level + amplitude * Math.sin((2 * Math.PI * t) / period) + slow + noise * rng.normal();
  });
}
