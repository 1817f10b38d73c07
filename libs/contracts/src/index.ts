export * from './common';
export * from './envelope';
export * from './events/pipeline';
export * from './events/retail';
export * from './topics/headers';
export * from './topics/topics';
export * from './api';
