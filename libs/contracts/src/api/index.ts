export * from './errors';
export * from './ingestion';
