export * from './calendar';
export * from './catalog';
export * from './config';
export * from './sampling';
export * from './simulator';
