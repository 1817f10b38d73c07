#!/usr/bin/env node
// Database commands: generate | migrate | create <name> | status | resolve. The implementation
// lives with the schema and migrations in libs/db/tools; `node scripts/db.mjs --help` lists them.
import { run } from '../libs/db/tools/cli.mjs';

await run(process.argv.slice(2));
