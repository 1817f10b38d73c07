export * from './jobs';
export * from './nest/redis.module';
export * from './queue';
export * from './redis';
