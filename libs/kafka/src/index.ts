export * from './core/admin';
export * from './core/client';
export * from './core/consumer';
export * from './core/producer';
export * from './nest/kafka.module';
