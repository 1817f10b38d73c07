import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { QUEUES, TypedQueue, createRedis, type JobInput, type JobName, type Redis } from '@shelfcast/queue';
import type { Job, JobsOptions } from 'bullmq';

import type { TrainerConfig } from '../config';
import { QUEUE_CONTEXT, TRAINER_CONFIG } from '../tokens';

export interface QueueContextProvider {
  url: string;
  prefix: string;
  /** A new connection for a blocking client (worker, subscriber). */
  connect(): Redis;
}

export function queueContextProvider(config: TrainerConfig): QueueContextProvider {
  return {
    url: config.REDIS_URL,
    prefix: config.REDIS_KEY_PREFIX || 'bull',
    connect: () => createRedis(config.REDIS_URL, { forBullmq: true }),
  };
}

/** Retries with exponential backoff; finished jobs kept a while for inspection (the runs table keeps the record). */
export function retryOptions(config: TrainerConfig): Pick<JobsOptions, 'attempts' | 'backoff'> {
  return { attempts: config.TRAINER_ATTEMPTS, backoff: { type: 'exponential', delay: config.TRAINER_BACKOFF_MS } };
}

export const RETENTION: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10000 },
};

/** The training queue: typed adds (the payload is validated against its job's schema first). */
@Injectable()
export class TrainingQueue implements OnApplicationShutdown {
  private readonly connection: Redis;
  readonly typed: TypedQueue<typeof QUEUES.training>;

  constructor(
    @Inject(QUEUE_CONTEXT) readonly context: QueueContextProvider,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
  ) {
    this.connection = context.connect();
    this.typed = new TypedQueue(QUEUES.training, { connection: this.connection, prefix: context.prefix });
    // An unreachable Redis is reported by the readiness probe; the queue reconnects by itself.
    this.typed.queue.on('error', () => undefined);
  }

  get queue() {
    return this.typed.queue;
  }

  /** Adds a run's job under its run id, with the service's retry policy. */
  async add<N extends JobName>(name: N, data: JobInput<N>, options: JobsOptions = {}): Promise<Job> {
    return this.typed.add(name, data, {
      jobId: data.runId,
      ...retryOptions(this.config),
      ...RETENTION,
      ...options,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.typed.close();
    this.connection.disconnect();
  }
}
