import type { GateReport, MetricValues } from '@shelfcast/contracts';

/** The promotion gate's settings (REGISTRY_GATE_METRIC, REGISTRY_GATE_MARGIN). */
export interface GateSettings {
  /** Metric compared; lower is better (`bias` by its absolute value). */
  metric: string;
  /** Relative improvement required: the candidate must be below `reference x (1 - margin)`. */
  margin: number;
}

/** A version's figures on one window set: its registered backtest or an evaluation appended later. */
export interface WindowFigures {
  windowsKey: string;
  model: MetricValues;
  seasonalNaive: MetricValues;
  source: 'registered' | 'evaluation';
}

export interface GateInput {
  /** The version asking for the alias; `figures[0]` is its registered backtest, evaluations follow (newest first). */
  candidate: { version: number; figures: WindowFigures[] };
  /** The version holding the alias now (its figures in the same order), or null when the alias is unset. */
  production: { version: number; figures: WindowFigures[] } | null;
}

/** A metric's value as the gate reads it: lower is better; undefined when the backtest lacks it. */
export function gateValue(values: MetricValues, metric: string): number | undefined {
  const v = values[metric];
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  return metric === 'bias' ? Math.abs(v) : v;
}

/** True when `value` beats `reference` by the margin (strictly lower when the margin is 0). */
export function beats(value: number, reference: number, margin: number): boolean {
  return value < reference * (1 - margin);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, ''));

/**
 * The promotion gate: the candidate's metric on a window set W must beat seasonal naive on W by the margin,
 * and beat the current holder's metric on the SAME W (its registered backtest or an evaluation with the same
 * window key). W is the candidate's registered window set, or else the newest of its evaluated window sets
 * that the holder was also measured on. Without a holder only the seasonal-naive test applies.
 */
export function evaluateGate(input: GateInput, settings: GateSettings): GateReport {
  const { metric, margin } = settings;
  const { candidate, production } = input;
  const registered = candidate.figures[0];
  if (!registered) throw new Error('evaluateGate: the candidate has no registered backtest');

  const holderOn = (key: string) => production?.figures.find((f) => f.windowsKey === key);
  // The window set: the registered one when the holder can be compared on it, else the first evaluated one that can.
  const window =
    production === null
      ? registered
      : (candidate.figures.find((f) => holderOn(f.windowsKey) && gateValue(f.model, metric) !== undefined) ??
        registered);
  const value = gateValue(window.model, metric) ?? null;
  const naive = gateValue(window.seasonalNaive, metric) ?? null;
  const naivePassed = value !== null && naive !== null && beats(value, naive, margin);
  const held = production ? holderOn(window.windowsKey) : undefined;
  const heldValue = held ? (gateValue(held.model, metric) ?? null) : null;
  const productionPassed = value !== null && heldValue !== null && beats(value, heldValue, margin);

  const base = {
    metric,
    margin,
    windowsKey: window.windowsKey,
    candidate: { version: candidate.version, value },
    seasonalNaive: { value: naive, passed: naivePassed },
    production: production
      ? { version: production.version, value: heldValue, source: held?.source ?? null, passed: productionPassed }
      : null,
  };
  const needed = margin > 0 ? ` by ${fmt(margin * 100)} %` : '';
  const label = `version ${candidate.version}`;

  if (value === null) {
    return {
      ...base,
      passed: false,
      outcome: 'not_comparable',
      message: `${label} has no finite ${metric} in its backtest on windows ${window.windowsKey}; the gate cannot compare it`,
    };
  }
  if (naive === null) {
    return {
      ...base,
      passed: false,
      outcome: 'not_comparable',
      message: `the backtest of ${label} on windows ${window.windowsKey} has no seasonal-naive ${metric} to compare with`,
    };
  }
  if (!naivePassed) {
    return {
      ...base,
      passed: false,
      outcome: 'gate_refused',
      message: `${label} does not beat seasonal naive${needed} on ${metric}: ${fmt(value)} vs ${fmt(naive)} (windows ${window.windowsKey})`,
    };
  }
  if (production === null) {
    return {
      ...base,
      passed: true,
      outcome: 'passed',
      message: `${label} beats seasonal naive on ${metric} (${fmt(value)} vs ${fmt(naive)}); no version holds the alias yet`,
    };
  }
  if (heldValue === null) {
    return {
      ...base,
      passed: false,
      outcome: 'not_comparable',
      message:
        `the current version ${production.version} has no ${metric} on the windows of ${label} (${window.windowsKey}): ` +
        `backtest version ${production.version} on these windows (the trainer's backtest job appends an evaluation), or force the move with a reason`,
    };
  }
  if (!productionPassed) {
    return {
      ...base,
      passed: false,
      outcome: 'gate_refused',
      message: `${label} does not beat the current version ${production.version}${needed} on ${metric}: ${fmt(value)} vs ${fmt(heldValue)} (windows ${window.windowsKey})`,
    };
  }
  return {
    ...base,
    passed: true,
    outcome: 'passed',
    message: `${label} beats seasonal naive (${fmt(value)} vs ${fmt(naive)}) and version ${production.version} (${fmt(heldValue)}) on ${metric}`,
  };
}
