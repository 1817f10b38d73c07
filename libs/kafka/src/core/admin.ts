import type { Kafka } from 'kafkajs';

export interface TopicDefaults {
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
}

export interface EnsureTopicSpec {
  name: string;
  partitions?: number;
  retentionMs?: number;
  cleanupPolicy?: 'delete' | 'compact';
}

/**
 * Creates the topics that are missing (never shrinks or recreates one that exists).
 * Returns the names it created.
 */
export async function ensureTopics(
  kafka: Kafka,
  specs: EnsureTopicSpec[],
  defaults: TopicDefaults,
  prefix = '',
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(prefix + s.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: prefix + s.name,
        numPartitions: s.partitions ?? defaults.partitions,
        replicationFactor: defaults.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(s.retentionMs ?? defaults.retentionMs) },
          { name: 'cleanup.policy', value: s.cleanupPolicy ?? 'delete' },
          // acks=all then means every in-sync replica, at least this many.
          { name: 'min.insync.replicas', value: String(Math.max(1, Math.min(2, defaults.replicationFactor - 1))) },
        ],
      })),
    });
    return missing.map((s) => prefix + s.name);
  } finally {
    await admin.disconnect();
  }
}

/** A readiness probe: the cluster answers a metadata request. Uses its own client without retries. */
export function kafkaHealthCheck(kafka: Kafka) {
  const admin = kafka.admin({ retry: { retries: 0 } });
  let connected: Promise<void> | undefined;
  return {
    name: 'kafka',
    async check(): Promise<void> {
      connected ??= admin.connect().catch((e: unknown) => {
        connected = undefined;
        throw e;
      });
      await connected;
      try {
        await admin.describeCluster();
      } catch (e) {
        connected = undefined;
        await admin.disconnect().catch(() => undefined);
        throw e;
      }
    },
    async close(): Promise<void> {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
