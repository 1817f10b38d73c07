import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';

import { resolveTarget } from '../tools/migrations.cjs';
import { PrismaClient } from './generated/prisma/client';

export interface PrismaClientOptions {
  /** postgresql:// URL; a `?schema=` in it is honoured when `schema` is not given. */
  url: string;
  /** PostgreSQL schema the models live in (default: the URL's `?schema=`, else public). */
  schema?: string;
  /** Most connections the client's pool opens (pg's default is 10). */
  maxConnections?: number;
}

/**
 * A PrismaClient on the pg driver adapter (no native engine), bound to one PostgreSQL schema:
 * generated queries name the schema, and raw SQL finds it first on the search_path.
 */
export function createPrismaClient(options: PrismaClientOptions): PrismaClient {
  const target = resolveTarget(options);
  const adapter = new PrismaPg(
    { ...target.pgConfig, ...(options.maxConnections ? { max: options.maxConnections } : {}) },
    { schema: target.schema },
  );
  return new PrismaClient({ adapter });
}

/**
 * A plain pg pool on the same schema, for the hot paths Prisma's query builder cannot express
 * (bulk `unnest` inserts, upserts from a CTE, server-side cursors). Tables are still created by
 * the Prisma migrations; this pool only reads and writes them.
 */
export function createPgPool(options: PrismaClientOptions & { applicationName?: string }): Pool {
  const target = resolveTarget(options);
  return new Pool({
    ...target.pgConfig,
    ...(options.maxConnections ? { max: options.maxConnections } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
}
