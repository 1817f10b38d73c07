// Prisma's own schema engine, compiled to WebAssembly (@prisma/schema-engine-wasm), driven through
// the pg driver adapter: applies and creates migrations without the native engine binary, which
// cannot be downloaded here. It writes `_prisma_migrations` exactly as `prisma migrate deploy` does
// (it is the same Rust code), including Prisma's advisory lock (72707369, 10 s timeout).
//
// Three adapter behaviours are corrected for migrations only (the PrismaClient adapter is untouched):
// - @prisma/adapter-pg's executeScript splits scripts on every ';', which breaks `$$` bodies and
//   string literals and runs statements one by one. Here a script goes to PostgreSQL whole, as the
//   native engine sends it: one simple query, which PostgreSQL runs as one implicit transaction,
//   so a failing migration leaves nothing behind.
// - adapter-pg cannot type the catalog's `"char"` columns (OID 18), which the engine reads when it
//   describes a database (shadow database for `create`); they are read as text.
// - adapter-pg's connectToShadowDb replays the migrations into the main database instead of the
//   shadow one when configured with a URL (see connectToShadowDb below).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
const core = require('./migrations.cjs');

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
const NO_FILTERS = { externalTables: [], externalEnums: [] };

let wasmModule;

/**
 * Loads the engine without Node's --experimental-wasm-modules: instantiate the .wasm next to the
 * package's JS glue and hand it the glue as its imports (what schema_engine.js does via ESM).
 */
async function loadSchemaEngine() {
  if (!wasmModule) {
    wasmModule = (async () => {
      const glueUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
      const glue = await import(glueUrl);
      const bytes = await readFile(new URL('schema_engine_bg.wasm', glueUrl));
      const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
      glue.__wbg_set_wasm(instance.exports);
      instance.exports.__wbindgen_start();
      return glue;
    })();
  }
  return wasmModule;
}

function textifyCharColumns(result) {
  for (const part of Array.isArray(result) ? result : [result]) {
    for (const field of part?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

class CatalogTextClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (typeof callback === 'function') {
      return super.query(config, values, (error, result) =>
        callback(error, error ? result : textifyCharColumns(result)),
      );
    }
    const out = super.query(config, values);
    return out && typeof out.then === 'function' ? out.then(textifyCharColumns) : out;
  }
}

function sendScriptsWhole(adapter, onScriptError) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      onScriptError(error);
      adapter.onError(error);
    }
  };
  return adapter;
}

/**
 * The engine's adapter factory for one target. One connection per pool, so the advisory lock,
 * search_path and the engine's statements share a session. Returns the factory, a close() that
 * ends every pool it opened, and the PostgreSQL error of the last script that failed.
 */
function migrationAdapter(target) {
  const opened = [];
  let scriptError = null;
  const poolConfig = (pgConfig) => ({ ...pgConfig, max: 1, Client: CatalogTextClient, connectionTimeoutMillis: 10000 });
  const inner = new PrismaPg(poolConfig(target.pgConfig), { schema: target.schema });
  const track = (adapter) => {
    opened.push(adapter);
    return sendScriptsWhole(adapter, (error) => {
      scriptError = error;
    });
  };

  // adapter-pg's own connectToShadowDb creates the shadow database but, when the config is a
  // connectionString (whose database wins over the `database` it sets), connects to the main
  // database and replays the migrations there. So: create it, connect to it by URL, drop it.
  const connectToShadowDb = async () => {
    const main = await inner.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await main.underlyingDriver().query(`CREATE DATABASE ${core.quoteIdent(database)}`);
    const url = new URL(target.url);
    url.pathname = `/${database}`;
    const shadowTarget = core.resolveTarget({ url: url.toString(), schema: target.schema });
    const shadow = await new PrismaPg(poolConfig(shadowTarget.pgConfig), { schema: target.schema }).connect();
    const release = shadow.dispose.bind(shadow);
    let dropped;
    shadow.dispose = () => {
      dropped ??= (async () => {
        await release().catch(() => {});
        try {
          await main.underlyingDriver().query(`DROP DATABASE IF EXISTS ${core.quoteIdent(database)}`);
        } finally {
          await main.dispose();
        }
      })();
      return dropped;
    };
    return shadow;
  };

  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => track(await inner.connect()),
    connectToShadowDb: async () => track(await connectToShadowDb()),
  });
  const close = async () => {
    await Promise.all(opened.splice(0).map((adapter) => adapter.dispose().catch(() => {})));
  };
  return { factory, close, scriptError: () => scriptError };
}

/** The engine's error text without its Rust span trace ("   0: sql_schema_connector::..."). */
function engineMessage(error) {
  const text = String(error?.message ?? error);
  const cut = text.search(/\n\s+0: /);
  return (cut >= 0 ? text.slice(0, cut) : text).replace(/^external connector error\n/, '').trim();
}

/** PostgreSQL's own words for a failed statement: message, detail, hint, code. */
function pgMessage(error) {
  const parts = [error.message];
  if (error.detail) parts.push(`DETAIL: ${error.detail}`);
  if (error.hint) parts.push(`HINT: ${error.hint}`);
  return `${parts.join(' ')}${error.code ? ` (${error.code})` : ''}`;
}

class EngineError extends Error {
  constructor(error, scriptError) {
    super(scriptError ? pgMessage(scriptError) : engineMessage(error));
    this.name = 'EngineError';
    this.cause = error;
  }
}

async function withEngine(target, fn) {
  await core.withClient(target, async () => {});
  const { SchemaEngine } = await loadSchemaEngine();
  const schemaText = await readFile(core.SCHEMA_FILE, 'utf8');
  const { factory, close, scriptError } = migrationAdapter(target);
  let engine;
  try {
    engine = await SchemaEngine.new({ datamodels: [[core.SCHEMA_FILE, schemaText]] }, () => {}, factory);
    return await fn(engine, { schemaText });
  } catch (error) {
    throw new EngineError(error, scriptError());
  } finally {
    engine?.free();
    await close();
  }
}

/** The migrations folder as the engine's MigrationList (what the Prisma CLI builds from disk). */
async function migrationList(migrationsDir) {
  const lockfile = await readFile(path.join(migrationsDir, core.LOCKFILE_NAME), 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: core.LOCKFILE_NAME, content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories: core.readMigrations(migrationsDir).map((migration) => ({
      path: migration.name,
      migrationFile: { path: core.MIGRATION_FILE_NAME, content: { tag: 'ok', value: migration.script } },
    })),
  };
}

async function failedRows(target) {
  return core.withClient(target, async (client) =>
    (await core.readMigrationRows(client, target.schema)).filter(
      (row) => row.finished_at == null && row.rolled_back_at == null,
    ),
  );
}

function failureMessage(row, target, error) {
  const sqlError = error?.message ?? engineMessage(row.logs ?? '').replace(/^Error querying the database: /, '');
  return (
    `migration ${row.migration_name} failed on ${target.display}: ${sqlError}\n` +
    `Its statements ran as one transaction and were rolled back. Fix its migration.sql, then run ` +
    `\`node scripts/db.mjs resolve --rolled-back ${row.migration_name}\` and migrate again.`
  );
}

/**
 * Applies every pending migration to the target (url + PostgreSQL schema, created if missing).
 * Returns the names it applied, in order; [] when the database was up to date.
 */
export async function applyMigrations(options = {}) {
  const target = core.resolveTarget(options);
  const migrationsDir = options.migrationsDir ?? core.MIGRATIONS_DIR;
  const earlier = await failedRows(target);
  if (earlier.length > 0) throw new Error(failureMessage(earlier[0], target));
  const migrationsList = await migrationList(migrationsDir);
  try {
    const output = await withEngine(target, (engine) =>
      engine.applyMigrations({ migrationsList, filters: NO_FILTERS }),
    );
    return { applied: output.appliedMigrationNames, target };
  } catch (error) {
    if (error instanceof core.DatabaseUnreachableError) throw error;
    const failed = await failedRows(target).catch(() => []);
    if (failed.length > 0) throw new Error(failureMessage(failed[0], target, error));
    throw new Error(`migrating ${target.display} failed: ${error.message}`);
  }
}

function timestamp(date) {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function nextTimestamp(existing, now) {
  let candidate = timestamp(now);
  const latest = existing
    .map((migration) => migration.name.slice(0, 14))
    .filter((stamp) => /^\d{14}$/.test(stamp))
    .sort()
    .at(-1);
  if (latest && candidate <= latest) {
    const [, y, mo, d, h, mi, s] = latest.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/);
    candidate = timestamp(new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s + 1)));
  }
  return candidate;
}

/**
 * Writes a new migration: the SQL that takes a database built from the existing migrations (a
 * throw-away shadow database on the same server) to schema.prisma. Returns null when schema.prisma
 * adds nothing. `name` is the part after the timestamp, e.g. `added_model_aliases`.
 */
export async function createMigration(options) {
  const { name } = options;
  if (!/^[a-z][a-z0-9_]*$/.test(name ?? '')) {
    throw new Error(
      `migration name must be snake_case, verb in the past tense first, e.g. added_model_aliases (got ${JSON.stringify(name)})`,
    );
  }
  const target = core.resolveTarget({ url: options.url, schema: 'public' });
  const migrationsDir = options.migrationsDir ?? core.MIGRATIONS_DIR;
  await mkdir(migrationsDir, { recursive: true });
  const lockfile = path.join(migrationsDir, core.LOCKFILE_NAME);
  await readFile(lockfile).catch(() => writeFile(lockfile, core.lockfileContent(), 'utf8'));
  const from = { tag: 'migrations', ...(await migrationList(migrationsDir)) };
  const diff = await withEngine(target, (engine, { schemaText }) =>
    engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: core.SCHEMA_FILE, content: schemaText }] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    }),
  ).catch((error) => {
    if (error instanceof core.DatabaseUnreachableError) throw error;
    throw new Error(`diffing the migrations against schema.prisma failed: ${error.message}`);
  });
  if (diff.exitCode !== 2 || !diff.stdout?.trim()) return null;
  const folder = `${nextTimestamp(core.readMigrations(migrationsDir), options.now ?? new Date())}_${name}`;
  await mkdir(path.join(migrationsDir, folder));
  const file = path.join(migrationsDir, folder, core.MIGRATION_FILE_NAME);
  await writeFile(file, diff.stdout, 'utf8');
  return { name: folder, file, script: diff.stdout };
}

/** Marks a failed migration rolled back (`prisma migrate resolve --rolled-back`). */
export async function markRolledBack(options) {
  const target = core.resolveTarget(options);
  const failed = await failedRows(target);
  if (!failed.some((row) => row.migration_name === options.name)) {
    throw new Error(`${options.name} is not a failed migration in ${target.display}`);
  }
  await withEngine(target, (engine) => engine.markMigrationRolledBack({ migrationName: options.name }));
  return { target };
}
