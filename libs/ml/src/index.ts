export * from './backtest';
export * from './baselines';
export * from './core';
export * from './data';
export * from './inventory';
export * from './metrics';
export * from './onnx';
export * from './trees';
