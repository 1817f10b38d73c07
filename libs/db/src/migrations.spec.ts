import fs from 'node:fs';
import path from 'node:path';

import {
  MIGRATIONS_DIR,
  checksum,
  checksumMatches,
  compareMigrations,
  describeProblems,
  lockfileContent,
  readMigrations,
  resolveTarget,
} from '../tools/migrations.cjs';
import type { LocalMigration, MigrationRow } from '../tools/migrations.cjs';

const at = new Date('2026-11-29T06:00:00Z');

function local(name: string, script = `-- ${name}\n`): LocalMigration {
  return { name, script, checksum: checksum(script) };
}

function row(migration: LocalMigration, changes: Partial<MigrationRow> = {}): MigrationRow {
  return {
    migration_name: migration.name,
    checksum: migration.checksum,
    started_at: at,
    finished_at: at,
    rolled_back_at: null,
    logs: null,
    ...changes,
  };
}

describe('checksum', () => {
  it('is the sha256 hex of the script, as Prisma stores it', () => {
    expect(checksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(checksum('SELECT 1;\n')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches a script whose line endings changed since it was applied', () => {
    const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(checksumMatches(crlf, checksum(lf))).toBe(true);
    expect(checksumMatches(lf, checksum(crlf))).toBe(true);
    expect(checksumMatches(`${lf}-- edited\n`, checksum(lf))).toBe(false);
  });
});

describe('resolveTarget', () => {
  it('takes the schema from the option, else the URL, else public', () => {
    expect(resolveTarget({ url: 'postgresql://u@h:5432/d', schema: 'x' }).schema).toBe('x');
    expect(resolveTarget({ url: 'postgresql://u@h:5432/d?schema=y', schema: 'x' }).schema).toBe('x');
    expect(resolveTarget({ url: 'postgresql://u@h:5432/d?schema=y' }).schema).toBe('y');
    expect(resolveTarget({ url: 'postgresql://u@h:5432/d' }).schema).toBe('public');
  });

  it('strips Prisma-only parameters and puts the schema first on the search_path', () => {
    const target = resolveTarget({
      url: 'postgresql://u:p@h:5432/d?schema=t_1&sslmode=disable&options=-c%20statement_timeout%3D5000',
    });
    expect(target.url).toBe('postgresql://u:p@h:5432/d?sslmode=disable');
    expect(target.pgConfig).toEqual({
      connectionString: 'postgresql://u:p@h:5432/d?sslmode=disable',
      options: '-c statement_timeout=5000 -c search_path=t_1',
    });
  });

  it('names the database without its password', () => {
    const { display } = resolveTarget({ url: 'postgresql://admin:s3cret@db.internal:6543/shelfcast?schema=s' });
    expect(display).toBe('postgresql://admin@db.internal:6543/shelfcast (schema s)');
    expect(display).not.toContain('s3cret');
  });

  it('refuses schema names that would need quoting and URLs that are not PostgreSQL', () => {
    expect(() => resolveTarget({ url: 'postgresql://u@h/d', schema: 'a b' })).toThrow(/schema name "a b"/);
    expect(() => resolveTarget({ url: 'postgresql://u@h/d', schema: '1st' })).toThrow(/not allowed/);
    expect(() => resolveTarget({ url: 'mysql://u@h/d' })).toThrow(/postgresql:\/\//);
    expect(() => resolveTarget({ url: 'not a url' })).toThrow(/not a valid URL/);
  });
});

describe('compareMigrations', () => {
  const first = local('20261129060000_added_audit_log');
  const second = local('20261201120000_added_model_aliases');
  const third = local('20261202120000_changed_forecasts');

  it('reports every folder pending on an empty database', () => {
    expect(compareMigrations([first, second], [])).toEqual({
      applied: [],
      pending: [first.name, second.name],
      failed: [],
      edited: [],
      unknown: [],
    });
  });

  it('splits applied, failed and pending; rolled-back rows are history only', () => {
    const rows = [
      row(first),
      row(second, { finished_at: null, rolled_back_at: at, logs: 'boom' }),
      row(second, { finished_at: null, logs: 'boom again' }),
    ];
    expect(compareMigrations([first, second, third], rows)).toEqual({
      applied: [first.name],
      pending: [third.name],
      failed: [second.name],
      edited: [],
      unknown: [],
    });
  });

  it('counts a migration re-run after a rollback as applied', () => {
    const rows = [row(second, { finished_at: null, rolled_back_at: at }), row(second)];
    expect(compareMigrations([second], rows).applied).toEqual([second.name]);
  });

  it('flags applied migrations whose script changed, and rows no folder has', () => {
    const edited = { ...first, script: `${first.script}ALTER TABLE x ADD y int;\n` };
    const gone = local('20261130000000_added_gone');
    const rows = [row(first), row(gone), row(local('20261130000001_added_broken'), { finished_at: null })];
    expect(compareMigrations([edited], rows)).toEqual({
      applied: [first.name],
      pending: [],
      failed: ['20261130000001_added_broken'],
      edited: [first.name],
      unknown: [gone.name],
    });
  });
});

describe('describeProblems', () => {
  it('says how far behind the database is and what to run', () => {
    const status = { applied: [], pending: ['20261129060000_added_audit_log'], failed: [], edited: [], unknown: [] };
    expect(describeProblems(status)).toBe(
      'database is behind: 1 pending migration(s): 20261129060000_added_audit_log; run `npm run db:migrate`',
    );
  });

  it('is null for an up-to-date database, even one ahead of the code', () => {
    expect(describeProblems({ applied: ['a'], pending: [], failed: [], edited: [], unknown: ['b'] })).toBeNull();
  });

  it('names failed and edited migrations', () => {
    const message = describeProblems({ applied: ['a'], pending: [], failed: ['b'], edited: ['a'], unknown: [] });
    expect(message).toContain('1 failed migration(s): b');
    expect(message).toContain('resolve --rolled-back');
    expect(message).toContain('different version of 1 migration(s): a');
  });
});

describe('the migrations folder', () => {
  const migrations = readMigrations();

  it('holds Prisma-layout folders named <timestamp>_<verb>_<what>, in order', () => {
    expect(migrations.length).toBeGreaterThan(0);
    for (const migration of migrations) {
      expect(migration.name).toMatch(/^\d{14}_[a-z][a-z0-9]*_[a-z0-9_]+$/);
      expect(fs.existsSync(path.join(MIGRATIONS_DIR, migration.name, 'migration.sql'))).toBe(true);
    }
    const names = migrations.map((migration) => migration.name);
    expect([...names].sort()).toEqual(names);
    expect(names[0]).toBe('20261129060000_added_audit_log');
  });

  it("has Prisma's lockfile for PostgreSQL", () => {
    expect(fs.readFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toBe(lockfileContent());
    expect(lockfileContent()).toContain('provider = "postgresql"');
  });

  it('keeps migrations schema-agnostic, so each test schema can run them', () => {
    for (const migration of migrations) {
      expect(migration.script).not.toMatch(/CREATE SCHEMA|"public"\./);
    }
  });
});
