export * from './registry-client';
