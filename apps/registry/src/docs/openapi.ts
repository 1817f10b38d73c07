import {
  ActorReasonRequest,
  AliasMoveResult,
  AliasName,
  ARTIFACT_SHA256_HEADER,
  AuditPage,
  AuditQuery,
  ErrorResponse,
  Evaluation,
  EvaluationList,
  EvaluationRequest,
  GateRefusedResponse,
  ModelName,
  ModelSummary,
  ModelVersion,
  MoveAliasRequest,
  RegisterVersionRequest,
  SearchVersionsQuery,
  VersionPage,
} from '@shelfcast/contracts';
import { z } from 'zod';

type Io = 'input' | 'output';
const json = (schema: z.ZodType, io: Io = 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string) => ({ 'application/json': { schema: ref(name) } });
const ok = (description: string, name: string) => ({ description, content: jsonContent(name) });
const error = (description: string) => ({ description, content: jsonContent('ErrorResponse') });
const body = (name: string) => ({ required: true, content: jsonContent(name) });

const nameParam = { name: 'name', in: 'path', required: true, schema: json(ModelName) };
const versionParam = { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const aliasParam = { name: 'alias', in: 'path', required: true, schema: json(AliasName) };

/** Query parameters of a strict zod object, one OpenAPI parameter each. */
function queryParams(schema: z.ZodObject): Array<Record<string, unknown>> {
  const props = (json(schema, 'input').properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    description: s.description,
    schema: s,
    ...(name === 'tag' ? { style: 'form', explode: true } : {}),
  }));
}

const notFound = error('Model, version or alias not found (code model_not_found, version_not_found, alias_not_found)');
const invalid = error('Invalid path, query or body: `details` lists each problem with its dotted path');

/** The OpenAPI document of the registry API, generated from the same zod schemas that validate requests. */
export function registryOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Shelfcast model registry API',
      version: '1.0.0',
      description:
        'Registered models with immutable, auto-numbered versions (artifact, signature, backtest, lineage), aliases moved ' +
        'atomically behind a promotion gate for `production`, rollback, an audit trail, evaluations and search. ' +
        'Every change is announced on Kafka `shelfcast.models.v1` through a transactional outbox.',
    },
    components: {
      schemas: {
        RegisterVersionRequest: json(RegisterVersionRequest, 'input'),
        ModelVersion: json(ModelVersion),
        ModelSummary: json(ModelSummary),
        VersionPage: json(VersionPage),
        MoveAliasRequest: json(MoveAliasRequest, 'input'),
        ActorReasonRequest: json(ActorReasonRequest, 'input'),
        AliasMoveResult: json(AliasMoveResult),
        AuditPage: json(AuditPage),
        EvaluationRequest: json(EvaluationRequest, 'input'),
        Evaluation: json(Evaluation),
        EvaluationList: json(EvaluationList),
        ErrorResponse: json(ErrorResponse),
        GateRefusedResponse: json(GateRefusedResponse),
      },
    },
    paths: {
      '/v1/models': {
        get: {
          summary: 'Search versions (newest first, keyset pagination)',
          parameters: queryParams(SearchVersionsQuery),
          responses: { '200': ok('A page of versions and the cursor of the next', 'VersionPage'), '400': invalid },
        },
      },
      '/v1/models/{name}': {
        get: {
          summary: 'A registered model: latest version, aliases, number of versions',
          parameters: [nameParam],
          responses: { '200': ok('The model', 'ModelSummary'), '400': invalid, '404': notFound },
        },
      },
      '/v1/models/{name}/versions': {
        post: {
          summary: 'Register a version (idempotent by runId)',
          description:
            'The artifact travels as base64 with its sha256, which the registry recomputes. The same runId for the same ' +
            'model answers 200 with the version already registered; concurrent registrations of one run make one version.',
          parameters: [nameParam],
          requestBody: body('RegisterVersionRequest'),
          responses: {
            '201': ok('Registered', 'ModelVersion'),
            '200': ok('This run was registered before: that version', 'ModelVersion'),
            '400': error('Invalid body, or the artifact does not match its sha256 (code sha256_mismatch)'),
            '413': error('Body or artifact larger than the configured limit'),
          },
        },
      },
      '/v1/models/{name}/versions/{version}': {
        get: {
          summary: 'One version (without the artifact bytes)',
          parameters: [nameParam, versionParam],
          responses: { '200': ok('The version', 'ModelVersion'), '400': invalid, '404': notFound },
        },
      },
      '/v1/models/{name}/versions/{version}/artifact': {
        get: {
          summary: 'The artifact bytes (ONNX), checked against their sha256',
          parameters: [nameParam, versionParam],
          responses: {
            '200': {
              description: 'The bytes',
              headers: {
                [ARTIFACT_SHA256_HEADER]: { schema: { type: 'string' }, description: 'sha256 of the bytes (hex)' },
                'content-length': { schema: { type: 'integer' } },
              },
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            '400': invalid,
            '404': notFound,
          },
        },
      },
      '/v1/models/{name}/versions/{version}/archive': {
        post: {
          summary: 'Archive a version (no alias may point at it)',
          parameters: [nameParam, versionParam],
          requestBody: body('ActorReasonRequest'),
          responses: {
            '200': ok('The archived version (archiving it again changes nothing)', 'ModelVersion'),
            '400': invalid,
            '404': notFound,
            '409': error('An alias points at the version (code version_has_aliases)'),
          },
        },
      },
      '/v1/models/{name}/versions/{version}/evaluations': {
        post: {
          summary: 'Append a backtest of this version on another window set (idempotent by runId)',
          description: 'Versions stay immutable; the gate reads evaluations to compare versions on the same windows.',
          parameters: [nameParam, versionParam],
          requestBody: body('EvaluationRequest'),
          responses: {
            '201': ok('Appended', 'Evaluation'),
            '200': ok('This run added it before: that evaluation', 'Evaluation'),
            '400': invalid,
            '404': notFound,
          },
        },
        get: {
          summary: 'Evaluations of this version, newest first',
          parameters: [nameParam, versionParam],
          responses: { '200': ok('The evaluations', 'EvaluationList'), '400': invalid, '404': notFound },
        },
      },
      '/v1/models/{name}/aliases/{alias}': {
        get: {
          summary: 'The version behind an alias',
          parameters: [nameParam, aliasParam],
          responses: { '200': ok('The version', 'ModelVersion'), '400': invalid, '404': notFound },
        },
        put: {
          summary: 'Move an alias atomically',
          description:
            '`production` passes the promotion gate unless `force` is true (the reason is audited). ' +
            '`expectedVersion` makes the move conditional: 409 alias_conflict when the alias points elsewhere.',
          parameters: [nameParam, aliasParam],
          requestBody: body('MoveAliasRequest'),
          responses: {
            '200': ok('Moved (or already there: moved false)', 'AliasMoveResult'),
            '400': invalid,
            '404': notFound,
            '409': {
              description:
                'alias_conflict (expectedVersion does not match), version_archived, or the gate: gate_refused / ' +
                'not_comparable with the figures in `error.gate`',
              content: jsonContent('GateRefusedResponse'),
            },
          },
        },
      },
      '/v1/models/{name}/aliases/{alias}/rollback': {
        post: {
          summary: 'Move the alias back to the version before its last move',
          parameters: [nameParam, aliasParam],
          requestBody: body('ActorReasonRequest'),
          responses: {
            '200': ok('Rolled back', 'AliasMoveResult'),
            '400': invalid,
            '404': notFound,
            '409': error('No previous version (nothing_to_roll_back), or it is archived (version_archived)'),
          },
        },
      },
      '/v1/models/{name}/audit': {
        get: {
          summary: 'Alias moves, rollbacks and archives: who, when, why, from, to, forced (newest first)',
          parameters: [nameParam, ...queryParams(AuditQuery)],
          responses: { '200': ok('A page of entries', 'AuditPage'), '400': invalid, '404': notFound },
        },
      },
    },
  };
}
