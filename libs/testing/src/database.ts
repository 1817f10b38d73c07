import { applyMigrations } from '@shelfcast/db';
import { Client } from 'pg';

import { testServers, uniqueName } from './servers';

export interface TestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** A PostgreSQL schema of this test's own, migrated to the latest migration. */
export async function createTestSchema(label: string, migrate = true): Promise<TestSchema> {
  const schema = `t_${uniqueName(label)}`;
  const url = testServers.databaseUrl;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  if (migrate) await applyMigrations({ url, schema });
  return {
    url,
    schema,
    async drop() {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
