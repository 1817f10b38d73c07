import type { Admin, Kafka } from 'kafkajs';

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
      // kafkajs's own wait fails on the first "does not host this topic-partition" of a busy broker.
      waitForLeaders: false,
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
    await waitForLeaders(
      admin,
      missing.map((s) => prefix + s.name),
    );
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

/** Waits until every partition of the topics has a leader, retrying while the broker is still creating them. */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (
        found.length === topics.length &&
        found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      ) {
        return;
      }
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`topics without leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
