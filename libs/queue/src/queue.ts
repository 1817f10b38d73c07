import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import type Redis from 'ioredis';

import {
  InvalidJobError,
  JOBS,
  parseJob,
  type JobData,
  type JobInput,
  type JobName,
  type JobsOn,
  type QueueName,
} from './jobs';

export interface QueueContext {
  connection: Redis;
  /** Key prefix of every BullMQ key (tests give each run its own). */
  prefix: string;
}

/** A queue whose `add` checks the job name and payload together, at compile time and at run time. */
export class TypedQueue<Q extends QueueName> {
  readonly queue: Queue;

  constructor(
    readonly name: Q,
    ctx: QueueContext,
  ) {
    this.queue = new Queue(name, { connection: ctx.connection, prefix: ctx.prefix });
  }

  async add<N extends JobsOn<Q>>(name: N, data: JobInput<N>, options?: JobsOptions): Promise<Job<JobData<N>>> {
    if (JOBS[name].queue !== this.name) throw new InvalidJobError(name, `belongs to queue ${JOBS[name].queue}`);
    const parsed = parseJob(name, data);
    return (await this.queue.add(name, parsed, options)) as Job<JobData<N>>;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export type JobHandlers<Q extends QueueName> = {
  [N in JobsOn<Q>]: (job: Job<JobData<N>>, data: JobData<N>) => Promise<unknown>;
};

/**
 * A worker that validates each payload before its handler runs: an invalid payload fails at once
 * with a readable error and is not retried.
 */
export function createTypedWorker<Q extends QueueName>(
  name: Q,
  handlers: JobHandlers<Q>,
  ctx: QueueContext,
  options: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
): Worker {
  return new Worker(
    name,
    async (job) => {
      const handler = handlers[job.name as JobsOn<Q>] as ((job: Job, data: unknown) => Promise<unknown>) | undefined;
      if (!handler) throw new UnrecoverableError(`no handler for job ${job.name} on queue ${name}`);
      let data: unknown;
      try {
        data = parseJob(job.name as JobName, job.data);
      } catch (e) {
        throw new UnrecoverableError((e as Error).message);
      }
      return handler(job, data);
    },
    { ...options, connection: ctx.connection, prefix: ctx.prefix },
  );
}
