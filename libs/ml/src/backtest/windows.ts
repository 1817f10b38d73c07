/**
 * Rolling-origin windows on an absolute period grid. A window's `cutoff` is its first forecast
 * period: models see periods `< cutoff` and forecast `cutoff .. cutoff + horizon - 1`.
 */
export interface BacktestWindow {
  index: number;
  cutoff: number;
  horizon: number;
}

export interface WindowSpec {
  horizon: number;
  /** Periods between consecutive cutoffs; default `horizon` (non-overlapping windows). */
  step?: number;
  /** Number of windows, the last one ending at `end`. Ignored when `cutoffs` is given. */
  windows?: number;
  /** Explicit cutoffs (first forecast periods), ascending. */
  cutoffs?: readonly number[];
  /** Exclusive end of the evaluation range; default the end of the longest series. */
  end?: number;
}

/** Explicit windows (e.g. calendar months of different lengths). */
export type ExplicitWindows = ReadonlyArray<{ cutoff: number; horizon: number }>;

export function makeWindows(spec: WindowSpec | ExplicitWindows, dataEnd: number): BacktestWindow[] {
  let raw: Array<{ cutoff: number; horizon: number }>;
  if (Array.isArray(spec)) {
    raw = (spec as ExplicitWindows).map((w) => ({ ...w }));
  } else {
    const s = spec as WindowSpec;
    const end = s.end ?? dataEnd;
    if (s.cutoffs) {
      raw = s.cutoffs.map((cutoff) => ({ cutoff, horizon: s.horizon }));
    } else {
      const count = s.windows ?? 1;
      const step = s.step ?? s.horizon;
      if (!Number.isInteger(count) || count < 1)
        throw new RangeError(`windows must be a positive integer, got ${count}`);
      if (!Number.isInteger(step) || step < 1) throw new RangeError(`step must be a positive integer, got ${step}`);
      const last = end - s.horizon;
      raw = Array.from({ length: count }, (_, k) => ({ cutoff: last - step * (count - 1 - k), horizon: s.horizon }));
    }
  }
  raw.forEach((w, i) => {
    if (!Number.isInteger(w.cutoff) || !Number.isInteger(w.horizon) || w.horizon < 1) {
      throw new RangeError(`window ${i}: cutoff and horizon must be integers, horizon >= 1`);
    }
    if (i > 0 && w.cutoff < raw[i - 1].cutoff) throw new RangeError('window cutoffs must be ascending');
  });
  return raw.map((w, index) => ({ index, ...w }));
}
