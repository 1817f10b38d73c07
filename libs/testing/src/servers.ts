/** Where the real servers of the test run are; overridable by the environment. */
export const testServers = {
  kafkaBrokers: (process.env.TEST_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test',
  redisUrl: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

/** A name no other test or run uses: `<label>_<time><random>`, lower-case, safe as topic, schema or key part. */
export function uniqueName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  return `${safe}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A Kafka topic and group prefix for one test: `test.<name>.` */
export function testPrefix(label: string): string {
  return `test.${uniqueName(label)}.`;
}
