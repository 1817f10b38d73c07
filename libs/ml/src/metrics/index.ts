export * from './accumulator';
export * from './point';
export * from './aggregate';
