import { z } from 'zod';

import { ErrorResponse } from '../api/errors';
import { IngestResponse } from '../api/ingestion';
import { AlertRaised, FeaturesUpdated, ForecastsPublished, ModelEvent } from '../events/pipeline';
import { RETAIL_EVENT_SCHEMAS, RetailEvent } from '../events/retail';

/** Every schema published for back ends in other languages, by file name. */
export function jsonSchemas(): Record<string, unknown> {
  const entries: Array<[string, z.ZodType]> = [
    ...Object.entries(RETAIL_EVENT_SCHEMAS).map(([type, schema]) => [type, schema] as [string, z.ZodType]),
    ['retail-event', RetailEvent],
    ['shelfcast.features.updated.v1', FeaturesUpdated],
    ['shelfcast.models.v1', ModelEvent],
    ['shelfcast.forecasts.published.v1', ForecastsPublished],
    ['shelfcast.alert.raised.v1', AlertRaised],
    ['api.ingest-response', IngestResponse],
    ['api.error-response', ErrorResponse],
  ];
  return Object.fromEntries(
    entries.map(([name, schema]) => [
      `${name}.schema.json`,
      {
        $id: `https://schemas.shelfcast.dev/${name}.schema.json`,
        ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
      },
    ]),
  );
}

export function renderJsonSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jsonSchemas()).map(([file, schema]) => [file, `${JSON.stringify(schema, null, 2)}\n`]),
  );
}
