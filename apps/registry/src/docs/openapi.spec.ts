import fs from 'node:fs';

import { OPENAPI_FILE, renderOpenApi } from './export-openapi';

describe('registry OpenAPI document', () => {
  it('matches apps/registry/openapi.json (run `npm run openapi:export:registry` after changing a schema)', () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('documents every route of the API with its error answers', () => {
    const doc = JSON.parse(renderOpenApi()) as { paths: Record<string, Record<string, { responses: object }>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /v1/models',
        'GET /v1/models/{name}',
        'POST /v1/models/{name}/versions',
        'GET /v1/models/{name}/versions/{version}',
        'GET /v1/models/{name}/versions/{version}/artifact',
        'POST /v1/models/{name}/versions/{version}/archive',
        'POST /v1/models/{name}/versions/{version}/evaluations',
        'GET /v1/models/{name}/versions/{version}/evaluations',
        'GET /v1/models/{name}/aliases/{alias}',
        'PUT /v1/models/{name}/aliases/{alias}',
        'POST /v1/models/{name}/aliases/{alias}/rollback',
        'GET /v1/models/{name}/audit',
      ].sort(),
    );
    const put = doc.paths['/v1/models/{name}/aliases/{alias}'].put.responses;
    expect(Object.keys(put).sort()).toEqual(['200', '400', '404', '409']);
    expect(Object.keys(doc.paths['/v1/models/{name}/versions'].post.responses).sort()).toEqual(
      ['200', '201', '400', '413'].sort(),
    );
  });
});
