// The project's database commands (`node scripts/db.mjs <command>`, `npm run db:*`). See ../README.md.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const core = require('./migrations.cjs');

const USAGE = `usage: node scripts/db.mjs <command> [options]

  generate                      generate the Prisma client into libs/db/src/generated (offline)
  migrate [--schema S] [--json] apply pending migrations
  create <name>                 write prisma/migrations/<timestamp>_<name> from schema.prisma's changes
  status [--schema S] [--json]  list applied and pending migrations; exit 1 when any is pending
  resolve --rolled-back <name>  mark a failed migration rolled back, so it can be fixed and re-run

  The database is DATABASE_URL (default ${core.DEFAULT_DATABASE_URL}).
  The PostgreSQL schema is --schema, else ?schema= in the URL, else public.
  --migrations-dir D replaces libs/db/prisma/migrations (tests use it).`;

class UsageError extends Error {}

function parse(argv) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        schema: { type: 'string' },
        url: { type: 'string' },
        'migrations-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        'rolled-back': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
}

function target(values) {
  return {
    url: values.url ?? process.env.DATABASE_URL ?? core.DEFAULT_DATABASE_URL,
    schema: values.schema,
    migrationsDir: values['migrations-dir'] ? path.resolve(values['migrations-dir']) : undefined,
  };
}

function generate() {
  const prismaCli = require.resolve('prisma/build/index.js');
  const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
    cwd: core.DB_LIB_DIR,
    encoding: 'utf8',
    env: {
      ...process.env,
      // generate only checks that a schema engine binary exists; it never runs it.
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`prisma generate failed (exit ${result.status ?? result.signal})`);
  }
}

async function migrate(values) {
  const { applyMigrations } = await import('./engine.mjs');
  const { applied, target: resolved } = await applyMigrations(target(values));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ applied })}\n`);
  } else if (applied.length === 0) {
    process.stdout.write(`No pending migrations on ${resolved.display}.\n`);
  } else {
    process.stdout.write(
      `Applied ${applied.length} migration(s) to ${resolved.display}:\n${applied.map((name) => `  ${name}\n`).join('')}`,
    );
  }
  const { edited } = await core.checkMigrations(target(values));
  if (edited.length > 0) {
    process.stderr.write(
      `db: warning: ${edited.join(', ')} changed after being applied (checksum differs); ` +
        `the database ran the old version. Add a new migration instead of editing one.\n`,
    );
  }
}

async function create(values, name) {
  if (!name) throw new UsageError('create needs a name, e.g. `npm run db:migrate:create -- added_model_aliases`');
  const { createMigration } = await import('./engine.mjs');
  const created = await createMigration({ ...target(values), name });
  if (!created) {
    throw new Error('schema.prisma matches the migrations: nothing to migrate, no migration written');
  }
  process.stdout.write(
    `Created ${path.relative(process.cwd(), created.file)}:\n\n${created.script}\n` +
      `Review it, then \`npm run db:migrate\`.\n`,
  );
}

async function status(values) {
  const options = target(values);
  const result = await core.checkMigrations(options);
  const display = core.resolveTarget(options).display;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const lines = [`Migrations on ${display}:`];
    const edited = new Set(result.edited);
    for (const name of result.applied)
      lines.push(`  applied  ${name}${edited.has(name) ? '  (edited after it was applied)' : ''}`);
    for (const name of result.failed) lines.push(`  FAILED   ${name}`);
    for (const name of result.pending) lines.push(`  pending  ${name}`);
    for (const name of result.unknown) lines.push(`  unknown  ${name}  (in the database, not in prisma/migrations)`);
    const problems = core.describeProblems(result);
    lines.push(problems ?? 'Database is up to date.');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result.pending.length > 0 || result.failed.length > 0 || result.edited.length > 0 ? 1 : 0;
}

async function resolve(values) {
  const name = values['rolled-back'];
  if (!name) throw new UsageError('resolve needs --rolled-back <migration name>');
  const { markRolledBack } = await import('./engine.mjs');
  const { target: resolved } = await markRolledBack({ ...target(values), name });
  process.stdout.write(`Marked ${name} rolled back on ${resolved.display}.\n`);
}

export async function main(argv) {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'generate':
      generate();
      return 0;
    case 'migrate':
      await migrate(values);
      return 0;
    case 'create':
      await create(values, rest[0]);
      return 0;
    case 'status':
      return status(values);
    case 'resolve':
      await resolve(values);
      return 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** Runs the CLI and exits: pools the engine leaves idle must not keep the process alive. */
export async function run(argv) {
  let code;
  try {
    code = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`db: ${error.message}\n\n${USAGE}\n`);
      code = 2;
    } else {
      process.stderr.write(`db: ${error?.message ?? error}\n`);
      code = 1;
    }
  }
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await run(process.argv.slice(2));
}
