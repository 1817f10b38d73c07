export * from './normal';
export * from './distributions';
export * from './replenishment';
