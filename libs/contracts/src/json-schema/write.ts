// `npm run contracts:export`: writes libs/contracts/json-schema/*.schema.json from the zod schemas.
import fs from 'node:fs';
import path from 'node:path';

import { renderJsonSchemas } from './export';

export const JSON_SCHEMA_DIR = path.resolve(__dirname, '../../json-schema');

if (require.main === module) {
  fs.rmSync(JSON_SCHEMA_DIR, { recursive: true, force: true });
  fs.mkdirSync(JSON_SCHEMA_DIR, { recursive: true });
  const files = renderJsonSchemas();
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(JSON_SCHEMA_DIR, file), text);
  process.stdout.write(
    `wrote ${Object.keys(files).length} JSON Schema files to ${path.relative(process.cwd(), JSON_SCHEMA_DIR)}\n`,
  );
}
