export * from './calendar';
export * from './walmart';
