export * from './backtest';
export * from './baselines';
export * from './core';
export * from './data';
export * from './inventory';
export * from './metrics';
