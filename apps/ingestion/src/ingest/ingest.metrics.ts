import { Counter, Histogram, type Registry } from '@shelfcast/observability';

export function ingestMetrics(registry: Registry) {
  return {
    published: new Counter({
      name: 'shelfcast_ingest_events_published_total',
      help: 'Events published to Kafka by ingestion',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'shelfcast_ingest_events_rejected_total',
      help: 'Items refused by validation, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    publishSeconds: new Histogram({
      name: 'shelfcast_ingest_publish_seconds',
      help: 'Time for Kafka to acknowledge one chunk of events',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof ingestMetrics>;
