import fs from 'node:fs';

import { OPENAPI_FILE, renderOpenApi } from './export-openapi';

describe('OpenAPI document', () => {
  it('matches apps/ingestion/openapi.json (run `npm run openapi:export` after changing a schema)', () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('documents every answer of POST /v1/events', () => {
    const doc = JSON.parse(renderOpenApi()) as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths['/v1/events'].post.responses).sort()).toEqual(
      ['202', '400', '401', '403', '413', '415', '429', '503'].sort(),
    );
  });
});
