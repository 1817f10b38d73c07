import { z } from 'zod';

import { calendarDate, sku, storeId } from '../common';
import { envelope } from '../envelope';

/** The features service refreshed the online vectors of these series. */
export const FeaturesUpdatedData = z.strictObject({
  featureSet: z.string().min(1),
  featureSetVersion: z.string().min(1),
  series: z.array(z.strictObject({ storeId, sku, asOf: calendarDate })).min(1),
});
export const FeaturesUpdated = envelope('shelfcast.features.updated.v1', FeaturesUpdatedData);
export type FeaturesUpdated = z.infer<typeof FeaturesUpdated>;

const modelRef = { modelName: z.string().min(1), version: z.number().int().positive() };

export const ModelVersionRegistered = envelope(
  'shelfcast.model.registered.v1',
  z.strictObject({ ...modelRef, artifactSha256: z.string().regex(/^[a-f0-9]{64}$/), runId: z.string().optional() }),
);
export const ModelAliasMoved = envelope(
  'shelfcast.model.alias-moved.v1',
  z.strictObject({
    ...modelRef,
    alias: z.string().min(1),
    previousVersion: z.number().int().positive().nullable(),
    actor: z.string().min(1),
    reason: z.string().min(1),
    /** The move skipped the promotion gate. */
    forced: z.boolean().optional(),
    /** The move was a rollback to the version before the last move. */
    rollback: z.boolean().optional(),
  }),
);
export const ModelVersionArchived = envelope(
  'shelfcast.model.archived.v1',
  z.strictObject({ ...modelRef, actor: z.string().min(1).optional(), reason: z.string().min(1).optional() }),
);
export const ModelEvent = z.discriminatedUnion('type', [ModelVersionRegistered, ModelAliasMoved, ModelVersionArchived]);
export type ModelEvent = z.infer<typeof ModelEvent>;

export const ForecastsPublished = envelope(
  'shelfcast.forecasts.published.v1',
  z.strictObject({
    ...modelRef,
    forecasts: z
      .array(
        z.strictObject({
          storeId,
          sku,
          origin: calendarDate,
          periods: z.array(
            z.strictObject({
              date: calendarDate,
              point: z.number().finite(),
              quantiles: z.record(z.string(), z.number().finite()),
            }),
          ),
        }),
      )
      .min(1),
  }),
);
export type ForecastsPublished = z.infer<typeof ForecastsPublished>;

export const AlertRaised = envelope(
  'shelfcast.alert.raised.v1',
  z.strictObject({
    kind: z.enum(['accuracy-degraded', 'data-drift', 'model-load-failed', 'pipeline-stalled']),
    severity: z.enum(['info', 'warning', 'critical']),
    message: z.string().min(1),
    modelName: z.string().optional(),
    version: z.number().int().positive().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type AlertRaised = z.infer<typeof AlertRaised>;
