// API keys of ingestion sources: `npm run keys -- create --source <source> [--name <label>]`,
// `npm run keys -- revoke <key id>`, `npm run keys -- list [--source <source>]`.
// Uses DATABASE_URL and DATABASE_SCHEMA like the services. The whole key is printed once, at creation.
import { parseArgs } from 'node:util';

import { loadConfigOrExit, databaseEnv } from '@shelfcast/config';
import { sourceName } from '@shelfcast/contracts';
import { ApiKeyRepository, assertMigrationsApplied, createPrismaClient } from '@shelfcast/db';
import { z } from 'zod';

const USAGE = `usage:
  keys create --source <source> [--name <label>] [--json]
  keys revoke <key id>
  keys list [--source <source>] [--json]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { source: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [command, ...rest] = positionals;
  const config = loadConfigOrExit('keys', z.object(databaseEnv));
  await assertMigrationsApplied({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  const prisma = createPrismaClient({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, maxConnections: 2 });
  const keys = new ApiKeyRepository(prisma);
  try {
    switch (command) {
      case 'create': {
        const source = sourceName.safeParse(values.source);
        if (!source.success) {
          process.stderr.write(`--source: ${source.error.issues[0]?.message ?? 'required'}\n${USAGE}\n`);
          return 2;
        }
        const issued = await keys.create(source.data, {
          name: values.name,
          createdBy: `cli:${process.env.USER ?? 'unknown'}`,
        });
        if (values.json) process.stdout.write(`${JSON.stringify(issued)}\n`);
        else
          process.stdout.write(
            `created key ${issued.id} for source ${issued.source}\n${issued.key}\n(store it now: only its hash is kept)\n`,
          );
        return 0;
      }
      case 'revoke': {
        const [id] = rest;
        if (!id) {
          process.stderr.write(`revoke needs a key id\n${USAGE}\n`);
          return 2;
        }
        const revoked = await keys.revoke(id);
        process.stdout.write(revoked ? `revoked key ${id}\n` : `no active key ${id}\n`);
        return revoked ? 0 : 1;
      }
      case 'list': {
        const rows = await keys.list(values.source);
        if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else
          for (const r of rows) {
            process.stdout.write(
              `${r.id}  ${r.source.padEnd(20)}  ${r.revokedAt ? 'revoked' : 'active '}  created ${r.createdAt.toISOString()}  last used ${r.lastUsedAt?.toISOString() ?? '-'}  ${r.name ?? ''}\n`,
            );
          }
        return 0;
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } finally {
    await prisma.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`keys: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
