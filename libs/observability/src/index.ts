export * from './health';
export * from './health.module';
export * from './lifecycle';
export * from './logger';
export * from './metrics';
export * from './service';
export * from './errors';
export { serveOpenApi } from './openapi';
export { findUnstorable, parseRequest, type RequestPart } from './request';
