import {
  ErrorResponse,
  IngestResponse,
  RETAIL_EVENT_SCHEMAS,
  RetailEvent,
  CSV_SALE_COLUMNS,
} from '@shelfcast/contracts';
import { z } from 'zod';

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
}

/** The OpenAPI document of the ingestion API, generated from the same zod schemas that validate requests. */
export function ingestionOpenApi(): Record<string, unknown> {
  const eventSchemas = Object.fromEntries(
    Object.entries(RETAIL_EVENT_SCHEMAS).map(([type, schema]) => [eventName(type), json(schema)]),
  );
  return {
    openapi: '3.0.3',
    info: {
      title: 'Shelfcast ingestion API',
      version: '1.0.0',
      description:
        'Retail back ends send sales, inventory, price, promotion, product and store events. ' +
        'An answer of 202 means Kafka acknowledged every accepted event; every item is either accepted or listed in `rejected`.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key `sc_<id>_<secret>` of one source' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        ...eventSchemas,
        RetailEvent: json(RetailEvent),
        IngestResponse: json(IngestResponse),
        ErrorResponse: json(ErrorResponse),
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send a batch of events',
          description:
            'JSON: an array of events (validated whole; an event of another source refuses the request with 403). ' +
            'NDJSON: one event per line, streamed and published in chunks. ' +
            `CSV: sales only, columns by header name: ${Object.entries(CSV_SALE_COLUMNS)
              .map(([f, names]) => `${f} (${names.join('/')})`)
              .join(', ')}.`,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/RetailEvent' } } },
              'application/x-ndjson': {
                schema: { type: 'string', description: 'one RetailEvent JSON object per line' },
              },
              'text/csv': { schema: { type: 'string', description: 'a header row, then one sale per row' } },
            },
          },
          responses: {
            '202': {
              description: 'Accepted: each item published, a duplicate, or rejected with its index, path and message',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/IngestResponse' } } },
            },
            '400': errorResponse('Malformed body (not JSON, unreadable CSV, unknown or missing CSV columns)'),
            '401': errorResponse('Missing, unknown or revoked API key'),
            '403': errorResponse('An event of another source than the key’s'),
            '413': errorResponse('Body, line or batch larger than the configured limit'),
            '415': errorResponse('Unsupported content type'),
            '429': errorResponse('Rate limit of the API key reached; see Retry-After'),
            '503': errorResponse('Kafka unavailable; nothing acknowledged is lost; retry after Retry-After'),
          },
        },
      },
    },
  };
}

function eventName(type: string): string {
  // shelfcast.sale.recorded.v1 -> SaleRecordedV1
  return type
    .split('.')
    .slice(1)
    .flatMap((p) => p.split('-'))
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}
