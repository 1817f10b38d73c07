import { eventHeaders } from '@shelfcast/contracts';
import type { EventProducer } from '@shelfcast/kafka';
import type { Logger } from '@shelfcast/observability';
import type { Pool } from 'pg';

import type { RegistryMetrics } from '../registry.metrics';

export interface RelaySettings {
  /** Longest wait between looks at the outbox when nothing woke the relay. */
  pollMs: number;
  /** Events per Kafka send. */
  batch: number;
  /** First wait after a failed send; doubles per failure up to `maxBackoffMs`. */
  retryMs: number;
  maxBackoffMs: number;
  /** How long sent events stay in the outbox (for inspection) before the relay deletes them. */
  retentionMs: number;
}

/** How often an idle relay deletes sent events past their retention, and how many per statement. */
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 10_000;

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  event: { id: string; type: string; source: string };
  created_at: Date;
}

// pg_try_advisory_xact_lock(class, object): one relay per database schema at a time.
const LOCK_CLASS = 0x5c4d;

/**
 * Publishes the outbox to Kafka: unsent rows in id order, with the platform producer (idempotent,
 * acks=all), then marks them sent. One relay per schema works at a time (a transaction-scoped advisory
 * lock, so a crashed relay's lock goes with its connection); the rows are held with the lock while Kafka
 * answers. While Kafka is down, sends are retried with a doubling backoff and nothing is marked; rows a
 * relay sent but could not mark (a crash between the two) are sent again: delivery is at least once,
 * and consumers recognise a repeat by the event id. Sent events are deleted once past their
 * retention, by an idle relay, at most once a minute.
 */
export class OutboxRelay {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private lastPurge = 0;

  constructor(
    private readonly pool: Pool,
    private readonly producer: EventProducer,
    private readonly settings: RelaySettings,
    private readonly metrics: RegistryMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Something was committed to the outbox: look now rather than at the next poll. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Stops after the batch in flight (its events are marked if Kafka took them). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  /** Unsent events and the age of the oldest, in seconds. */
  async pending(): Promise<{ count: number; oldestSeconds: number }> {
    const { rows } = await this.pool.query<{ count: string; oldest: number | null }>(
      `SELECT count(*) AS count, extract(epoch FROM now() - min(created_at))::float8 AS oldest
         FROM model_outbox WHERE sent_at IS NULL`,
    );
    return { count: Number(rows[0].count), oldestSeconds: rows[0].oldest ?? 0 };
  }

  private async loop(): Promise<void> {
    let backoff = this.settings.retryMs;
    while (!this.stopping) {
      let sent: number;
      try {
        sent = await this.relayBatch();
        backoff = this.settings.retryMs;
      } catch (e) {
        this.metrics.outboxFailures.inc();
        this.logger.warn({ err: e, retryInMs: backoff }, 'outbox relay cannot publish; retrying');
        await this.sleep(backoff, false);
        backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
        continue;
      }
      if (sent < this.settings.batch) {
        if (Date.now() - this.lastPurge >= PURGE_EVERY_MS) {
          this.lastPurge = Date.now();
          await this.purgeSent().catch((e: unknown) =>
            this.logger.warn({ err: e }, 'cannot delete sent outbox events now'),
          );
        }
        await this.sleep(this.settings.pollMs, true);
      }
    }
  }

  /** Deletes events sent longer ago than the retention (never an unsent one); returns how many. */
  async purgeSent(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM model_outbox WHERE id IN (
           SELECT id FROM model_outbox
            WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1::float8 / 1000)
            ORDER BY id LIMIT $2)`,
        [this.settings.retentionMs, PURGE_BATCH],
      );
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) break;
    }
    if (deleted > 0) this.logger.info({ deleted }, 'deleted sent outbox events past their retention');
    return deleted;
  }

  /** Sleeps `ms`, or less when stopped (or, if `wakeOnNudge`, when nudged). */
  private sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (this.stopping || (wakeOnNudge && this.nudged)) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.nudged = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (wakeOnNudge || this.stopping) done();
      };
    });
  }

  /** One batch: lock, read unsent rows in id order, publish, mark. Returns how many were sent. */
  private async relayBatch(): Promise<number> {
    const client = await this.pool.connect();
    let ids: string[] = [];
    let failure: Error | undefined;
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema())) AS locked`,
      );
      if (!lock.rows[0].locked) {
        await client.query('ROLLBACK');
        return 0;
      }
      const { rows } = await client.query<OutboxRow>(
        `SELECT id::text AS id, topic, key, event, created_at FROM model_outbox
          WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
        [this.settings.batch],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      ids = rows.map((r) => r.id);
      // Consecutive rows of one topic go in one send; kafkajs keeps their order within a partition.
      for (let start = 0; start < rows.length;) {
        let end = start + 1;
        while (end < rows.length && rows[end].topic === rows[start].topic) end++;
        const group = rows.slice(start, end);
        await this.producer.sendRaw(
          group[0].topic,
          group.map((r) => ({ key: r.key, value: JSON.stringify(r.event), headers: eventHeaders(r.event) })),
        );
        start = end;
      }
      await client.query(
        `UPDATE model_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      await client.query('COMMIT');
      const now = Date.now();
      for (const r of rows) this.metrics.outboxLagSeconds.observe((now - r.created_at.getTime()) / 1000);
      this.metrics.outboxPublished.inc(rows.length);
      return rows.length;
    } catch (e) {
      failure = e as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      if (ids.length) {
        await this.pool
          .query(`UPDATE model_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`, [
            ids,
            String((e as Error)?.message ?? e).slice(0, 1000),
          ])
          .catch(() => undefined);
      }
      throw e;
    } finally {
      // A connection that failed is closed rather than reused.
      client.release(failure);
    }
  }
}
