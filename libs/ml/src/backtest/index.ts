export * from './windows';
export * from './backtest';
