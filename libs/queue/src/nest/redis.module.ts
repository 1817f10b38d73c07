import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisEnv } from '@shelfcast/config';
import { HealthRegistry } from '@shelfcast/observability';
import type Redis from 'ioredis';

import { createRedis, redisHealthCheck } from '../redis';

export const REDIS = Symbol('REDIS');
export const REDIS_HEALTH = Symbol('REDIS_HEALTH');
/** Prefix of every key this service writes (tests give each run its own). */
export const REDIS_KEY_PREFIX = Symbol('REDIS_KEY_PREFIX');

export interface RedisModuleOptions {
  url: string;
  keyPrefix: string;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_HEALTH) health: ReturnType<typeof redisHealthCheck>,
    registry: HealthRegistry,
  ) {
    registry.register(health);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One Redis connection per service for request paths, and its readiness probe. */
@Module({})
export class RedisModule {
  static fromEnv(env: RedisEnv): DynamicModule {
    return RedisModule.forRoot({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
  }

  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS, useFactory: () => createRedis(options.url) },
        { provide: REDIS_KEY_PREFIX, useValue: options.keyPrefix },
        { provide: REDIS_HEALTH, inject: [REDIS], useFactory: (redis: Redis) => redisHealthCheck(redis) },
        RedisLifecycle,
      ],
      exports: [REDIS, REDIS_HEALTH, REDIS_KEY_PREFIX],
    };
  }
}
