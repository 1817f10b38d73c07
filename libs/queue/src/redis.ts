import Redis, { type RedisOptions } from 'ioredis';

export { Redis };

/**
 * A Redis connection. BullMQ workers need `maxRetriesPerRequest: null` (blocking commands wait for
 * reconnection instead of failing); request/response paths keep a bound so they fail fast.
 */
export function createRedis(url: string, options: RedisOptions & { forBullmq?: boolean } = {}): Redis {
  const { forBullmq, ...rest } = options;
  return new Redis(url, {
    lazyConnect: false,
    connectTimeout: 3000,
    maxRetriesPerRequest: forBullmq ? null : 2,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...rest,
  });
}

/** A readiness probe: Redis answers PING. */
export function redisHealthCheck(redis: Redis) {
  return {
    name: 'redis',
    async check(): Promise<void> {
      if (redis.status !== 'ready') throw new Error(`connection is ${redis.status}`);
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
    },
  };
}
