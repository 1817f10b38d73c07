import { Counter, Gauge, Histogram, type Registry } from '@shelfcast/observability';

type PendingSource = () => Promise<{ count: number; oldestSeconds: number }>;

export function registryMetrics(registry: Registry) {
  let pendingSource: PendingSource | undefined;
  // Both gauges are read from the outbox when Prometheus scrapes; a failed read keeps the last value.
  let lastRead: Promise<{ count: number; oldestSeconds: number } | undefined> | undefined;
  const read = () => {
    lastRead ??= (pendingSource?.() ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .finally(() => setImmediate(() => (lastRead = undefined)));
    return lastRead;
  };
  return {
    /** Where the pending gauges read from (the outbox relay). */
    readPendingFrom(source: PendingSource): void {
      pendingSource = source;
    },
    versionsRegistered: new Counter({
      name: 'shelfcast_registry_versions_registered_total',
      help: 'Model versions registered (a repeated run id is not counted)',
      labelNames: ['family'] as const,
      registers: [registry],
    }),
    aliasMoves: new Counter({
      name: 'shelfcast_registry_alias_moves_total',
      help: 'Alias moves and rollbacks, by alias and whether the gate was forced',
      labelNames: ['alias', 'kind', 'forced'] as const,
      registers: [registry],
    }),
    gateRefusals: new Counter({
      name: 'shelfcast_registry_gate_refusals_total',
      help: 'Promotions refused by the gate, by outcome (gate_refused, not_comparable)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: 'shelfcast_registry_outbox_published_total',
      help: 'Outbox events published to Kafka',
      registers: [registry],
    }),
    outboxFailures: new Counter({
      name: 'shelfcast_registry_outbox_publish_failures_total',
      help: 'Outbox relay rounds that failed (Kafka or PostgreSQL unavailable); retried with backoff',
      registers: [registry],
    }),
    outboxLagSeconds: new Histogram({
      name: 'shelfcast_registry_outbox_delivery_lag_seconds',
      help: 'Time from the commit of an event to its acknowledgement by Kafka',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'shelfcast_registry_outbox_pending',
      help: 'Outbox events not yet published',
      registers: [registry],
      async collect() {
        const pending = await read();
        if (pending) this.set(pending.count);
      },
    }),
    outboxOldestPendingSeconds: new Gauge({
      name: 'shelfcast_registry_outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox event not yet published (0 when none)',
      registers: [registry],
      async collect() {
        const pending = await read();
        if (pending) this.set(pending.oldestSeconds);
      },
    }),
  };
}
export type RegistryMetrics = ReturnType<typeof registryMetrics>;
