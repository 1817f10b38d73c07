import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, type Logger } from '@shelfcast/observability';
import { REDIS, type Redis } from '@shelfcast/queue';

import type { QueueContextProvider } from '../queue/training-queue';
import { QUEUE_CONTEXT } from '../tokens';

/**
 * Cancellations, from the API to whichever worker runs the run: BullMQ cannot stop an active job by
 * itself, so the API publishes the run ids on a Redis channel and each worker aborts the ones it holds.
 * A message sent while a worker was disconnected is lost: workers also poll the runs table (see RunScope).
 */
@Injectable()
export class CancelBus implements OnApplicationShutdown {
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(runId: string) => void>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_CONTEXT) private readonly context: QueueContextProvider,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get channel(): string {
    return `${this.context.prefix}:trainer:cancel`;
  }

  async publish(runIds: string[]): Promise<void> {
    for (const id of runIds) await this.redis.publish(this.channel, id);
  }

  /** Calls `listener` with each run id published from now on; subscribes on first use. */
  async subscribe(listener: (runId: string) => void): Promise<void> {
    this.listeners.add(listener);
    if (this.subscriber) return;
    this.subscriber = this.context.connect();
    this.subscriber.on('message', (_channel: string, runId: string) => {
      for (const l of this.listeners) l(runId);
    });
    this.subscriber.on('error', (e: Error) => this.logger.debug({ err: e }, 'cancel subscriber error'));
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
  }
}
