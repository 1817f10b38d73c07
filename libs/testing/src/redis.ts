import Redis from 'ioredis';

import { testServers, uniqueName } from './servers';

/** A Redis key prefix of this test's own, and a cleanup that deletes its keys. */
export function testRedisPrefix(label: string): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `test:${uniqueName(label)}`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(testServers.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
