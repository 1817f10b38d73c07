export * from './errors';
export * from './ingestion';
export * from './registry';
export * from './training';
