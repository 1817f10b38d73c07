import fs from 'node:fs';

import { OPENAPI_FILE, renderOpenApi } from './export-openapi';

describe('trainer OpenAPI document', () => {
  it('matches apps/trainer/openapi.json (run `npm run openapi:export:trainer` after changing a schema)', () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('documents every route of the API', () => {
    const doc = JSON.parse(renderOpenApi()) as { paths: Record<string, Record<string, { responses: object }>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /v1/runs',
        'GET /v1/runs',
        'GET /v1/runs/{id}',
        'POST /v1/runs/{id}/cancel',
        'POST /v1/schedules',
        'GET /v1/schedules',
        'GET /v1/schedules/{id}',
        'PUT /v1/schedules/{id}',
        'DELETE /v1/schedules/{id}',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/runs/{id}/cancel'].post.responses).sort()).toEqual(['202', '404', '409']);
  });
});
