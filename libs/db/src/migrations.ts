import { execFile } from 'node:child_process';
import path from 'node:path';

import {
  DatabaseUnreachableError,
  MigrationsNotAppliedError,
  assertMigrationsApplied as assertApplied,
  checkMigrations as check,
} from '../tools/migrations.cjs';
import type { DatabaseTarget, MigrationStatus } from '../tools/migrations.cjs';

export { DatabaseUnreachableError, MigrationsNotAppliedError };
export type { MigrationStatus };

export interface MigrationTarget {
  /** postgresql:// URL; a `?schema=` in it is honoured when `schema` is not given. */
  url: string;
  /** PostgreSQL schema (default: the URL's `?schema=`, else public). */
  schema?: string;
  /** Another migrations folder (tests); default libs/db/prisma/migrations. */
  migrationsDir?: string;
}

const CLI = path.join(__dirname, '..', 'tools', 'cli.mjs');

function toTarget(target: MigrationTarget): DatabaseTarget & { migrationsDir?: string } {
  return { url: target.url, schema: target.schema, migrationsDir: target.migrationsDir };
}

/**
 * Migration status of a database schema, read with plain pg: every folder of
 * libs/db/prisma/migrations is applied, pending or failed; `edited` lists applied ones whose
 * migration.sql no longer matches the checksum Prisma stored, `unknown` rows the folders lack.
 */
export function checkMigrations(target: MigrationTarget): Promise<MigrationStatus> {
  return check(toTarget(target));
}

/**
 * Resolves when every migration is applied; otherwise throws MigrationsNotAppliedError, e.g.
 * "database is behind: 1 pending migration(s): 20261129060000_added_audit_log; run `npm run
 * db:migrate`", or DatabaseUnreachableError. Apps call it at boot and refuse to start.
 */
export async function assertMigrationsApplied(target: MigrationTarget): Promise<void> {
  await assertApplied(toTarget(target));
}

/**
 * Applies the pending migrations with Prisma's schema engine (WebAssembly), exactly as
 * `node scripts/db.mjs migrate` does: it runs that command in a child process, since the engine
 * is an ES module that Jest's CommonJS runtime cannot load. Creates the schema when missing.
 */
export function applyMigrations(target: MigrationTarget): Promise<{ applied: string[] }> {
  const args = [
    CLI,
    'migrate',
    '--json',
    ...(target.schema ? ['--schema', target.schema] : []),
    ...(target.migrationsDir ? ['--migrations-dir', target.migrationsDir] : []),
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, DATABASE_URL: target.url }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(stderr.trim().replace(/^db: /, '') || error.message));
          return;
        }
        const lastLine = stdout.trim().split('\n').at(-1) ?? '';
        resolve(JSON.parse(lastLine) as { applied: string[] });
      },
    );
  });
}
