// Writes the trainer API's OpenAPI document to apps/trainer/openapi.json (`npm run openapi:export:trainer`).
import fs from 'node:fs';
import path from 'node:path';

import { trainerOpenApi } from './openapi';

export const OPENAPI_FILE = path.resolve(__dirname, '../../openapi.json');

export function renderOpenApi(): string {
  return `${JSON.stringify(trainerOpenApi(), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(OPENAPI_FILE, renderOpenApi());
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
}
