// @shelfcast/db: the Prisma schema's client, its factory, and the migration checks apps run at boot.
export * from './generated/prisma/client';
export { createPgPool, createPrismaClient } from './client';
export { abortablePool } from './abortable-pool';
export type { PrismaClientOptions } from './client';
export {
  applyMigrations,
  assertMigrationsApplied,
  checkMigrations,
  DatabaseUnreachableError,
  MigrationsNotAppliedError,
} from './migrations';
export type { MigrationStatus, MigrationTarget } from './migrations';
export { DbModule, PRISMA, postgresHealthCheck } from './nest/db.module';
export type { DbModuleOptions } from './nest/db.module';
export { ApiKeyRepository } from './api-keys';
export type { ApiKeyCheck, ApiKeyIdentity, IssuedApiKey } from './api-keys';
export { hashSecret, verifySecret } from './secrets';
