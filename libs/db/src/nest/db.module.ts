import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseEnv } from '@shelfcast/config';
import { HealthRegistry } from '@shelfcast/observability';

import { createPrismaClient } from '../client';
import type { PrismaClient } from '../generated/prisma/client';

export const PRISMA = Symbol('PRISMA');

export interface DbModuleOptions {
  url: string;
  schema: string;
  maxConnections?: number;
}

/** A readiness probe: PostgreSQL answers a query. */
export function postgresHealthCheck(prisma: PrismaClient) {
  return {
    name: 'postgres',
    async check(): Promise<void> {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
  };
}

@Injectable()
class DbLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    registry: HealthRegistry,
  ) {
    registry.register(postgresHealthCheck(prisma));
  }

  /** Runs last: requests and consumers that needed the database have finished. */
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/** The Prisma client of one service (driver adapter `pg`), and its readiness probe. */
@Module({})
export class DbModule {
  static fromEnv(env: DatabaseEnv): DynamicModule {
    return DbModule.forRoot({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA });
  }

  static forRoot(options: DbModuleOptions): DynamicModule {
    return {
      module: DbModule,
      global: true,
      providers: [{ provide: PRISMA, useFactory: () => createPrismaClient(options) }, DbLifecycle],
      exports: [PRISMA],
    };
  }
}
