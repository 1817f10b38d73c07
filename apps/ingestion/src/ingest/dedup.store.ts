import type { Redis } from '@shelfcast/queue';

/**
 * Remembers the ids of events already published, per source, for a window: a re-sent event is
 * accepted without being published twice. Ids are marked only after Kafka acknowledged them,
 * so a failed publish never hides an event; the features service keeps the final guard.
 */
export class DedupStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowS: number,
  ) {}

  private key(source: string, id: string): string {
    return `${this.prefix}:dedup:${source}:${id}`;
  }

  /** For each (source, id), whether it was published within the window. */
  async seen(items: ReadonlyArray<{ source: string; id: string }>): Promise<boolean[]> {
    if (items.length === 0) return [];
    const values = await this.redis.mget(items.map((i) => this.key(i.source, i.id)));
    return values.map((v) => v !== null);
  }

  async markPublished(items: ReadonlyArray<{ source: string; id: string }>): Promise<void> {
    if (items.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const i of items) pipeline.set(this.key(i.source, i.id), '1', 'EX', this.windowS);
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }
}
