import fs from 'node:fs';
import path from 'node:path';

import { renderJsonSchemas } from './export';
import { JSON_SCHEMA_DIR } from './write';

describe('JSON Schema export', () => {
  it('matches the committed files (run `npm run contracts:export` after changing a schema)', () => {
    const expected = renderJsonSchemas();
    const committed = fs.existsSync(JSON_SCHEMA_DIR) ? fs.readdirSync(JSON_SCHEMA_DIR).sort() : [];
    expect(committed).toEqual(Object.keys(expected).sort());
    for (const [file, text] of Object.entries(expected)) {
      expect(`${file}:\n${fs.readFileSync(path.join(JSON_SCHEMA_DIR, file), 'utf8')}`).toBe(`${file}:\n${text}`);
    }
  });

  it('describes the sale event as back ends must send it', () => {
    const sale = JSON.parse(renderJsonSchemas()['shelfcast.sale.recorded.v1.schema.json']) as {
      required: string[];
      additionalProperties: boolean;
      properties: { data: { required: string[]; properties: { unitPrice: { type: string; pattern: string } } } };
    };
    expect(sale.required).toEqual(expect.arrayContaining(['id', 'type', 'source', 'time', 'data']));
    expect(sale.additionalProperties).toBe(false);
    expect(sale.properties.data.required).toEqual(
      expect.arrayContaining(['storeId', 'sku', 'quantity', 'unitPrice', 'currency']),
    );
    expect(sale.properties.data.properties.unitPrice.type).toBe('string');
  });
});
