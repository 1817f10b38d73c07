import { Counter, Gauge, Histogram, type Registry } from '@shelfcast/observability';

export function featuresMetrics(registry: Registry) {
  return {
    consumed: new Counter({
      name: 'shelfcast_features_events_consumed_total',
      help: 'Retail events taken by the features consumer, by outcome (inserted, duplicate)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'shelfcast_features_batch_seconds',
      help: 'Time to write one batch of events and its aggregates in one transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    refreshed: new Counter({
      name: 'shelfcast_features_online_refreshed_total',
      help: 'Series whose online vectors were recomputed, by reason (new-events, stale: the anchor or feature set moved)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    refreshSeconds: new Histogram({
      name: 'shelfcast_features_refresh_seconds',
      help: 'Time to refresh one chunk of online vectors',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dirty: new Gauge({
      name: 'shelfcast_features_online_dirty_series',
      help: 'Series with new events waiting for their online vectors to be refreshed',
      registers: [registry],
    }),
    stale: new Gauge({
      name: 'shelfcast_features_online_stale_series',
      help: 'Series whose online vectors are at an older anchor or feature set, waiting for the sweep',
      registers: [registry],
    }),
  };
}
export type FeaturesMetrics = ReturnType<typeof featuresMetrics>;
