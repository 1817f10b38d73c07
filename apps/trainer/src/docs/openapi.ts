import {
  CancelRunRequest,
  CreateRunRequest,
  ErrorResponse,
  ListRunsResponse,
  ListSchedulesResponse,
  RunKind,
  RunStatus,
  RunTrigger,
  ScheduleRequest,
  TrainingRun,
  TrainingRunDetail,
  TrainingSchedule,
} from '@shelfcast/contracts';
import { z } from 'zod';

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const error = (description: string) => body('ErrorResponse', description);
const idParam = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: what,
});
const query = (name: string, schema: Record<string, unknown>, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
});

/** The OpenAPI document of the trainer's API, generated from the same zod schemas that validate requests. */
export function trainerOpenApi(): Record<string, unknown> {
  const list = (values: readonly string[]) => ({
    type: 'string',
    description: `comma-separated: ${values.join(', ')}`,
  });
  return {
    openapi: '3.0.3',
    info: {
      title: 'Shelfcast trainer API',
      version: '1.0.0',
      description:
        'Training runs on the BullMQ training queue: `train`, `backtest`, `tune` (child trials; the best is registered) ' +
        'and `retrain-all` (one child run per category, department or store group, shared by every worker). ' +
        'Each run is recorded with its status, stage, percent, stage timings, metrics, logs and error; ' +
        'schedules retrain models on a cron; accuracy and drift alerts retrain a model with its last successful spec.',
    },
    components: {
      schemas: {
        CreateRunRequest: json(CreateRunRequest),
        CancelRunRequest: json(CancelRunRequest),
        TrainingRun: json(TrainingRun),
        TrainingRunDetail: json(TrainingRunDetail),
        ListRunsResponse: json(ListRunsResponse),
        ScheduleRequest: json(ScheduleRequest),
        TrainingSchedule: json(TrainingSchedule),
        ListSchedulesResponse: json(ListSchedulesResponse),
        ErrorResponse: json(ErrorResponse),
      },
    },
    paths: {
      '/v1/runs': {
        post: {
          summary: 'Start a run',
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreateRunRequest') } } },
          responses: {
            '202': body('TrainingRun', 'Queued; follow it at /v1/runs/{id}'),
            '400': error('Invalid spec: each offending field is named in `details` (e.g. `spec.horizon`)'),
            '503': error('The queue (Redis) is unavailable; retry after Retry-After'),
          },
        },
        get: {
          summary: 'List runs, newest first',
          parameters: [
            query('status', list(RunStatus.options), 'only these statuses'),
            query('kind', list(RunKind.options), 'only these kinds'),
            query('modelName', { type: 'string' }, 'only runs of this model'),
            query('parentId', { type: 'string' }, 'only the children of this run'),
            query('trigger', { type: 'string', enum: RunTrigger.options }, 'only runs started this way'),
            query('createdAfter', { type: 'string', format: 'date-time' }, 'created after this instant'),
            query('createdBefore', { type: 'string', format: 'date-time' }, 'created before this instant'),
            query('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }, 'page size'),
            query('cursor', { type: 'string' }, '`nextCursor` of the previous page'),
          ],
          responses: { '200': body('ListRunsResponse', 'A page of runs'), '400': error('Invalid query') },
        },
      },
      '/v1/runs/{id}': {
        get: {
          summary: 'A run: status, stage, percent, timings, metrics, logs, error and children',
          parameters: [idParam('run id')],
          responses: { '200': body('TrainingRunDetail', 'The run'), '404': error('No such run') },
        },
      },
      '/v1/runs/{id}/cancel': {
        post: {
          summary: 'Cancel a run and its open children',
          description:
            'A queued run is cancelled at once; a running one stops at its next check and ends as cancelled.',
          parameters: [idParam('run id')],
          requestBody: { required: false, content: { 'application/json': { schema: ref('CancelRunRequest') } } },
          responses: {
            '202': body('TrainingRun', 'Cancelled, or cancellation requested'),
            '404': error('No such run'),
            '409': error('The run has finished already'),
          },
        },
      },
      '/v1/schedules': {
        post: {
          summary: 'Retrain a model on a cron',
          requestBody: { required: true, content: { 'application/json': { schema: ref('ScheduleRequest') } } },
          responses: { '201': body('TrainingSchedule', 'Created'), '400': error('Invalid schedule or spec') },
        },
        get: {
          summary: 'List schedules',
          parameters: [query('modelName', { type: 'string' }, 'only schedules of this model')],
          responses: { '200': body('ListSchedulesResponse', 'Every schedule') },
        },
      },
      '/v1/schedules/{id}': {
        get: {
          summary: 'A schedule and its next run',
          parameters: [idParam('schedule id')],
          responses: { '200': body('TrainingSchedule', 'The schedule'), '404': error('No such schedule') },
        },
        put: {
          summary: 'Replace a schedule',
          parameters: [idParam('schedule id')],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ScheduleRequest') } } },
          responses: {
            '200': body('TrainingSchedule', 'Replaced'),
            '400': error('Invalid schedule or spec'),
            '404': error('No such schedule'),
          },
        },
        delete: {
          summary: 'Delete a schedule (runs it started are kept)',
          parameters: [idParam('schedule id')],
          responses: { '204': { description: 'Deleted' }, '404': error('No such schedule') },
        },
      },
    },
  };
}
