// Prisma CLI configuration for libs/db; plain ESM, so tsc and eslint leave it alone. Prisma 7
// reads the connection URL from here, not from schema.prisma. The project's commands are
// `node scripts/db.mjs generate|migrate|create|status`; this file also lets the stock
// `prisma migrate deploy` run unchanged wherever Prisma's native schema engine is available.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast' },
});
