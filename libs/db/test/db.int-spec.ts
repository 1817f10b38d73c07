// libs/db against the real PostgreSQL: migrations into a schema of this file's own, the Prisma
// client on the pg adapter, and the boot-time check. Needs the generated client
// (`npm run db:generate`).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import {
  applyMigrations,
  assertMigrationsApplied,
  checkMigrations,
  createPrismaClient,
  MigrationsNotAppliedError,
} from '../src';
import type { PrismaClient } from '../src';
import { MIGRATIONS_DIR, checksum, readMigrations } from '../tools/migrations.cjs';

const url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const schema = `t_db_${randomBytes(4).toString('hex')}`;
const failingSchema = `${schema}_f`;
const names = readMigrations().map((migration) => migration.name);

let admin: Client;
let prisma: PrismaClient | undefined;
let scratchDir: string | undefined;

beforeAll(async () => {
  admin = new Client({ connectionString: url });
  await admin.connect();
});

afterAll(async () => {
  await prisma?.$disconnect();
  for (const name of [schema, failingSchema]) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await admin.end();
  if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
});

describe('migrations into a fresh schema', () => {
  it('reports every migration pending before anything ran', async () => {
    await expect(checkMigrations({ url, schema })).resolves.toEqual({
      applied: [],
      pending: names,
      failed: [],
      edited: [],
      unknown: [],
    });
  });

  it('refuses to boot on a database that is behind, naming what is missing', async () => {
    const expected = `database is behind: ${names.length} pending migration(s): ${names.join(', ')}; run \`npm run db:migrate\``;
    const failure = assertMigrationsApplied({ url, schema });
    await expect(failure).rejects.toBeInstanceOf(MigrationsNotAppliedError);
    await expect(failure).rejects.toThrow(expected);
  });

  it('applies every migration once, and nothing on a second run', async () => {
    await expect(applyMigrations({ url, schema })).resolves.toEqual({ applied: names });
    await expect(applyMigrations({ url, schema })).resolves.toEqual({ applied: [] });
    await expect(checkMigrations({ url, schema })).resolves.toMatchObject({ applied: names, pending: [], failed: [] });
    await expect(assertMigrationsApplied({ url, schema })).resolves.toBeUndefined();
  });

  it("honours ?schema= in the URL like Prisma's own tools", async () => {
    await expect(checkMigrations({ url: `${url}?schema=${schema}` })).resolves.toMatchObject({ applied: names });
  });

  it("keeps Prisma's _prisma_migrations layout and checksums", async () => {
    const columns = await admin.query(
      `SELECT column_name, data_type, character_maximum_length AS length, is_nullable
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_prisma_migrations'
        ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns.rows).toEqual([
      { column_name: 'id', data_type: 'character varying', length: 36, is_nullable: 'NO' },
      { column_name: 'checksum', data_type: 'character varying', length: 64, is_nullable: 'NO' },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES' },
      { column_name: 'migration_name', data_type: 'character varying', length: 255, is_nullable: 'NO' },
      { column_name: 'logs', data_type: 'text', length: null, is_nullable: 'YES' },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES' },
      { column_name: 'started_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'NO' },
      { column_name: 'applied_steps_count', data_type: 'integer', length: null, is_nullable: 'NO' },
    ]);
    const rows = await admin.query(
      `SELECT id, migration_name, checksum, applied_steps_count FROM "${schema}"._prisma_migrations ORDER BY started_at`,
    );
    expect(rows.rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows.rows) {
      const script = fs.readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row.checksum).toBe(checksum(script));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.applied_steps_count).toBe(1);
    }
    const inSchema = await admin.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'audit_log'`,
      [schema],
    );
    expect(inSchema.rows[0].n).toBe(1);
  });

  it('round-trips an AuditLog row through Prisma in that schema', async () => {
    prisma = createPrismaClient({ url, schema });
    const detail = { sku: 'SKU-1', store: 42, changes: [{ field: 'price', from: 1.5, to: 1.75 }], note: null };
    const created = await prisma.auditLog.create({
      data: { actor: 'test', action: 'price.changed', subject: 'sku:SKU-1', detail },
    });
    expect(typeof created.id).toBe('bigint');
    expect(created.at).toBeInstanceOf(Date);

    const read = await prisma.auditLog.findUniqueOrThrow({ where: { id: created.id } });
    expect(read).toMatchObject({ actor: 'test', action: 'price.changed', subject: 'sku:SKU-1', detail });
    const bySubject = await prisma.auditLog.findMany({ where: { subject: 'sku:SKU-1' }, orderBy: { at: 'desc' } });
    expect(bySubject.map((row) => row.id)).toEqual([created.id]);

    const direct = await admin.query(`SELECT actor, detail FROM "${schema}".audit_log WHERE id = $1`, [created.id]);
    expect(direct.rows).toEqual([{ actor: 'test', detail }]);
  });
});

describe('a migration that fails', () => {
  const good = '20300101000000_added_scratch';
  const bad = '20300101000001_changed_scratch';

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfcast-db-'));
    scratchDir = dir;
    fs.copyFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
    const write = (name: string, sql: string) => {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
    };
    // A `;` inside a string and a `$$` body: the script must reach PostgreSQL whole.
    write(
      good,
      "CREATE TABLE scratch (note text NOT NULL DEFAULT 'a;b');\nDO $$ BEGIN INSERT INTO scratch DEFAULT VALUES; END $$;\n",
    );
    write(bad, 'CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);\n');
  });

  it('is named with its SQL error, and leaves nothing behind', async () => {
    const failure = applyMigrations({ url, schema: failingSchema, migrationsDir: scratchDir });
    await expect(failure).rejects.toThrow(`migration ${bad} failed`);
    await expect(failure).rejects.toThrow('relation "no_such_table" does not exist');

    const scratch = await admin.query(`SELECT note FROM "${failingSchema}".scratch`);
    expect(scratch.rows).toEqual([{ note: 'a;b' }]);
    const half = await admin.query('SELECT to_regclass($1) AS t', [`"${failingSchema}".half_done`]);
    expect(half.rows[0].t).toBeNull();

    await expect(checkMigrations({ url, schema: failingSchema, migrationsDir: scratchDir })).resolves.toMatchObject({
      applied: [good],
      pending: [],
      failed: [bad],
    });
    await expect(assertMigrationsApplied({ url, schema: failingSchema, migrationsDir: scratchDir })).rejects.toThrow(
      `1 failed migration(s): ${bad}`,
    );
  });
});

describe('schema.prisma', () => {
  it('has every change in a migration (a shadow database built from them matches it)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfcast-db-drift-'));
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const cli = path.join(__dirname, '..', 'tools', 'cli.mjs');
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'create', 'added_drift_probe', '--migrations-dir', dir],
        { env: { ...process.env, DATABASE_URL: url } },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.stderr).toContain('schema.prisma matches the migrations: nothing to migrate');
    expect(result.code).toBe(1);
  });
});

describe('an unreachable database', () => {
  it('is named without its password', async () => {
    const failure = checkMigrations({ url: 'postgresql://postgres:s3cret@127.0.0.1:1/shelfcast' });
    await expect(failure).rejects.toThrow('database unreachable: postgresql://postgres@127.0.0.1:1/shelfcast');
    await expect(failure).rejects.not.toThrow('s3cret');
  });
});
