// Types of migrations.cjs, for src/ (TypeScript).
import type { Client } from 'pg';

export interface DatabaseTarget {
  /** postgresql:// URL; DATABASE_URL's default when omitted. */
  url?: string;
  /** PostgreSQL schema; else `?schema=` in the URL, else public. */
  schema?: string;
}

export interface ResolvedTarget {
  url: string;
  schema: string;
  /** The URL without password, and the schema: safe to log. */
  display: string;
  pgConfig: { connectionString: string; options: string };
}

export interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrationRow {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  failed: string[];
  edited: string[];
  unknown: string[];
}

export declare const DEFAULT_DATABASE_URL: string;
export declare const DB_LIB_DIR: string;
export declare const MIGRATIONS_DIR: string;
export declare const SCHEMA_FILE: string;
export declare const LOCKFILE_NAME: string;
export declare const MIGRATION_FILE_NAME: string;
export declare const MIGRATIONS_TABLE: string;
export declare const MIGRATE_COMMAND: string;

export declare function checksum(script: string): string;
export declare function checksumMatches(script: string, stored: string): boolean;
export declare function quoteIdent(name: string): string;
export declare function resolveTarget(options?: DatabaseTarget): ResolvedTarget;
export declare function readMigrations(migrationsDir?: string): LocalMigration[];
export declare function lockfileContent(provider?: string): string;
export declare function describeError(error: unknown): string;
export declare function withClient<T>(target: ResolvedTarget, fn: (client: Client) => Promise<T>): Promise<T>;
export declare function readMigrationRows(client: Client, schema: string): Promise<MigrationRow[]>;
export declare function compareMigrations(local: LocalMigration[], rows: MigrationRow[]): MigrationStatus;
export declare function checkMigrations(
  options?: DatabaseTarget & { migrationsDir?: string },
): Promise<MigrationStatus>;
export declare function describeProblems(status: MigrationStatus): string | null;
export declare function assertMigrationsApplied(
  options?: DatabaseTarget & { migrationsDir?: string },
): Promise<MigrationStatus>;

export declare class DatabaseUnreachableError extends Error {
  constructor(display: string, cause: unknown);
}

export declare class MigrationsNotAppliedError extends Error {
  readonly status: MigrationStatus;
  constructor(message: string, status: MigrationStatus);
}
