import type { Redis } from '@shelfcast/queue';
import { ApiError } from '@shelfcast/observability';

/** Counts one request in the minute's key (which expires when the minute is long over); returns the count. */
const TAKE_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Requests per API key per minute, counted in Redis so every replica shares the budget. One script call
 * per request (a MULTI cost the client several times more CPU).
 */
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
    const count = (await this.redis.eval(TAKE_SCRIPT, 1, key, 120)) as number;
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
