import { loadConfig } from '@shelfcast/config';
import type { RetailEvent } from '@shelfcast/contracts';
import { ApiKeyRepository, createPrismaClient } from '@shelfcast/db';
import { createServiceContext } from '@shelfcast/observability';
import { createTestKafka, createTestSchema, readTopic, testRedisPrefix, testServers } from '@shelfcast/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createIngestionApp } from '../src/app';
import { IngestionConfig } from '../src/config';

export const SOURCE = 'pos-test';

/** The ingestion app in this process on the real servers, with its own schema, topics and key prefix. */
export async function startIngestion(env: Record<string, string> = {}, brokers = testServers.kafkaBrokers) {
  const schema = await createTestSchema('ingestion');
  const kafka = await createTestKafka('ingestion', undefined, brokers);
  const redis = testRedisPrefix('ingestion');
  const config = loadConfig(IngestionConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: schema.url,
    DATABASE_SCHEMA: schema.schema,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    REDIS_URL: testServers.redisUrl,
    REDIS_KEY_PREFIX: redis.prefix,
    ...env,
  });
  const app: NestFastifyApplication = await createIngestionApp(config, createServiceContext('ingestion', config));
  const prisma = createPrismaClient({ url: schema.url, schema: schema.schema, maxConnections: 2 });
  const keys = new ApiKeyRepository(prisma);
  const issued = await keys.create(SOURCE);
  return {
    app,
    server: app.getHttpServer(),
    key: issued.key,
    keys,
    config,
    kafka,
    /** Messages of one of this test's topics (logical name). */
    read: (topic: string, count: number, timeoutMs?: number) =>
      readTopic(kafka.kafka, kafka.prefix + topic, count, timeoutMs),
    /** Every event on one of this test's topics so far, by id. */
    async readAll(topic: string): Promise<Map<string, unknown>> {
      const admin = kafka.kafka.admin();
      await admin.connect();
      let total = 0;
      try {
        total = (await admin.fetchTopicOffsets(kafka.prefix + topic)).reduce((sum, o) => sum + Number(o.high), 0);
      } finally {
        await admin.disconnect();
      }
      const messages = total ? await readTopic(kafka.kafka, kafka.prefix + topic, total) : [];
      return new Map(messages.map((m) => [(JSON.parse(m.value) as { id: string }).id, JSON.parse(m.value) as unknown]));
    },
    async close() {
      await app.close();
      await prisma.$disconnect();
      await kafka.cleanup();
      await redis.cleanup();
      await schema.drop();
    },
  };
}

const T = '2026-11-29T10:00:00+01:00';

/** One valid event of each retail type. */
export function oneOfEach(source = SOURCE, tag = 'x'): RetailEvent[] {
  return [
    {
      id: `sale-${tag}`,
      type: 'shelfcast.sale.recorded.v1',
      source,
      time: T,
      data: { storeId: 's1', sku: 'a', quantity: 3, unitPrice: '1.99', currency: 'EUR' },
    },
    {
      id: `return-${tag}`,
      type: 'shelfcast.sale.recorded.v1',
      source,
      time: T,
      data: { storeId: 's1', sku: 'a', quantity: -1, unitPrice: '1.99', currency: 'EUR', returnReason: 'damaged' },
    },
    {
      id: `inv-${tag}`,
      type: 'shelfcast.inventory.snapshot.v1',
      source,
      time: T,
      data: { storeId: 's1', sku: 'a', onHand: 12, onOrder: 24 },
    },
    {
      id: `price-${tag}`,
      type: 'shelfcast.price.changed.v1',
      source,
      time: T,
      data: {
        storeId: 's1',
        sku: 'a',
        price: '1.49',
        regularPrice: '1.99',
        currency: 'EUR',
        effectiveFrom: '2026-12-01T00:00:00+01:00',
      },
    },
    {
      id: `promo-${tag}`,
      type: 'shelfcast.promotion.scheduled.v1',
      source,
      time: T,
      data: {
        promotionId: 'p1',
        storeId: 's1',
        sku: 'a',
        startDate: '2026-12-01',
        endDate: '2026-12-07',
        kind: 'discount',
        discountPercent: 25,
      },
    },
    {
      id: `product-${tag}`,
      type: 'shelfcast.product.upserted.v1',
      source,
      time: T,
      data: {
        sku: 'a',
        category: 'dairy',
        department: 'fresh',
        launchDate: '2025-01-01',
        casePack: 6,
        leadTimeDays: 3,
      },
    },
    {
      id: `store-${tag}`,
      type: 'shelfcast.store.upserted.v1',
      source,
      time: T,
      data: { storeId: 's1', region: 'de-south', timeZone: 'Europe/Berlin' },
    },
  ];
}

export function sale(i: number, source = SOURCE): RetailEvent {
  return {
    id: `sale-${i}`,
    type: 'shelfcast.sale.recorded.v1',
    source,
    time: T,
    data: { storeId: `s${i % 7}`, sku: `sku-${i % 13}`, quantity: 1 + (i % 4), unitPrice: '2.50', currency: 'EUR' },
  };
}
