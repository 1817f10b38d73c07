import { randomUUID } from 'node:crypto';

import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS } from '@shelfcast/contracts';
import { OnlineRefresher, type FeatureStoreSettings, type OnlineStore } from '@shelfcast/feature-store';
import { EventProducer } from '@shelfcast/kafka';
import { Lifecycle, LOGGER, type Logger } from '@shelfcast/observability';
import type { Pool } from 'pg';

import type { FeaturesConfig } from '../config';
import type { ConsumerActivity } from '../consume/consumer-activity';
import type { FeaturesMetrics } from '../features.metrics';
import { CONSUMER_ACTIVITY, FEATURES_CONFIG, FEATURES_METRICS, ONLINE_REFRESHER } from '../tokens';

/** Series per shelfcast.features.updated.v1 event. */
const SERIES_PER_EVENT = 1000;
/** How often the idle loop updates the dirty and stale gauges, ms. */
const GAUGE_INTERVAL_MS = 5000;

/**
 * The refresher of this service: announces every refreshed chunk on shelfcast.features.updated.v1;
 * coalesces marks while this instance's consumer is busy, and takes them at once when it settles.
 */
export function createRefresher(
  pool: Pool,
  store: OnlineStore,
  settings: FeatureStoreSettings,
  config: FeaturesConfig,
  producer: EventProducer,
  activity: ConsumerActivity,
): OnlineRefresher {
  return new OnlineRefresher(pool, store, {
    measure: settings.measure,
    horizon: settings.horizon,
    chunkSeries: config.FEATURES_REFRESH_CHUNK,
    delayMs: config.FEATURES_REFRESH_DELAY_MS,
    settled: () => activity.settled(),
    sweepAfterMs: config.FEATURES_SWEEP_AFTER_MS,
    announce: async ({ featureSet, asOf, series }) => {
      const events = [];
      for (let i = 0; i < series.length; i += SERIES_PER_EVENT) {
        events.push({
          id: randomUUID(),
          type: 'shelfcast.features.updated.v1' as const,
          source: 'shelfcast-features',
          time: new Date().toISOString(),
          data: {
            featureSet: featureSet.name,
            featureSetVersion: featureSet.fingerprint,
            series: series.slice(i, i + SERIES_PER_EVENT).map((s) => ({ storeId: s.storeId, sku: s.sku, asOf })),
          },
        });
      }
      await producer.publish(TOPICS.featuresUpdated, events);
    },
  });
}

/**
 * Refreshes the online vectors of dirty (then stale) series, chunk after chunk. Errors (database,
 * Redis or Kafka away) are logged and retried with backoff: the marks stay until a refresh succeeds.
 */
@Injectable()
export class RefreshLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private gaugesAt = -Infinity;

  constructor(
    @Inject(ONLINE_REFRESHER) private readonly refresher: OnlineRefresher,
    private readonly lifecycle: Lifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FEATURES_CONFIG) private readonly config: FeaturesConfig,
    @Inject(FEATURES_METRICS) private readonly metrics: FeaturesMetrics,
    @Inject(CONSUMER_ACTIVITY) private readonly activity: ConsumerActivity,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.FEATURES_REFRESH) return;
    this.lifecycle.onDrain(() => this.stop());
    // The marks of the last burst are due once the consumer settles: no need to wait for the next round.
    this.activity.onSettled(() => this.wake?.());
    this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    let backoff = 500;
    while (!this.stopping) {
      try {
        const end = this.metrics.refreshSeconds.startTimer();
        const r = await this.refresher.refreshOnce();
        if (r.refreshed > 0) {
          end();
          this.metrics.refreshed.inc({ reason: r.sweep ? 'stale' : 'new-events' }, r.refreshed);
        }
        backoff = 500;
        if (r.refreshed === 0) {
          // The gauges count rows: every few seconds, not every idle round.
          if (Date.now() - this.gaugesAt >= GAUGE_INTERVAL_MS) {
            const pending = await this.refresher.pending();
            this.metrics.dirty.set(pending.dirty);
            this.metrics.stale.set(pending.stale);
            this.gaugesAt = Date.now();
          }
          await this.sleep(this.config.FEATURES_REFRESH_IDLE_MS);
        }
      } catch (e) {
        this.logger.warn({ err: e, retryInMs: backoff }, 'online refresh failed; retrying');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
