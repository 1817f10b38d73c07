export * from './client';
export * from './records';
