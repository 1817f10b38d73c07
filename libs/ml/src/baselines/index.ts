export * from './types';
export * from './naive';
export * from './exponential-smoothing';
export * from './least-squares';
export { nelderMead, goldenSection } from './nelder-mead';
export type { NelderMeadOptions, NelderMeadResult } from './nelder-mead';
export { normalQuantiles, residualSigma } from './quantiles';
