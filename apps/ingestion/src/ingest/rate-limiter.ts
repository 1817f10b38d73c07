import type { Redis } from '@shelfcast/queue';
import { ApiError } from '@shelfcast/observability';

/** Requests per API key per minute, counted in Redis so every replica shares the budget. */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perMinute: number,
  ) {}

  async take(keyId: string): Promise<void> {
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `${this.prefix}:ratelimit:${keyId}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as [
      [null, number],
      [null, number],
    ];
    if (count > this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
      throw new ApiError(
        429,
        'too_many_requests',
        `rate limit of ${this.perMinute} requests per minute for this API key reached; retry in ${retryAfter} s`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
  }
}
