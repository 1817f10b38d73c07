import { Counter, Histogram, type Registry } from '@shelfcast/observability';

export function trainerMetrics(registry: Registry) {
  return {
    runs: new Counter({
      name: 'shelfcast_trainer_runs_total',
      help: 'Training runs finished by this process, by job kind and status (succeeded, failed, cancelled)',
      labelNames: ['kind', 'status'] as const,
      registers: [registry],
    }),
    runSeconds: new Histogram({
      name: 'shelfcast_trainer_run_seconds',
      help: 'Time of one attempt of one run in this process, by job kind',
      labelNames: ['kind'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers: [registry],
    }),
    enqueued: new Counter({
      name: 'shelfcast_trainer_runs_enqueued_total',
      help: 'Runs added to the training queue by this process, by kind and trigger (api, alert)',
      labelNames: ['kind', 'trigger'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'shelfcast_trainer_alerts_total',
      help: 'Alert events taken by the trainer, by outcome (enqueued, deduplicated, no-model, no-previous-run, ignored)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
export type TrainerMetrics = ReturnType<typeof trainerMetrics>;
