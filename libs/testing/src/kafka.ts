import { TOPIC_SPECS, type TopicSpec } from '@shelfcast/contracts';
import { Kafka, logLevel } from 'kafkajs';

import { testPrefix, testServers } from './servers';

export interface TestKafka {
  kafka: Kafka;
  /** Prefix of this test's topics and groups. */
  prefix: string;
  /** Deletes every topic under the prefix. */
  cleanup(): Promise<void>;
}

/** A Kafka client on the real broker and the platform's topics under a prefix of this test's own. */
export async function createTestKafka(
  label: string,
  specs: TopicSpec[] = TOPIC_SPECS,
  brokers: string[] = testServers.kafkaBrokers,
): Promise<TestKafka> {
  const prefix = testPrefix(label);
  // A plain client: this library must not depend on libs/kafka, whose own tests use it.
  const kafka = new Kafka({ brokers, clientId: `test-${label}`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: specs.map((s) => ({ topic: prefix + s.name, numPartitions: s.partitions ?? 3, replicationFactor: 1 })),
    });
    // kafkajs's own wait fails on the first "does not host this topic-partition" of a busy broker.
    const names = specs.map((s) => prefix + s.name);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await admin.fetchTopicMetadata({ topics: names }).then(
        ({ topics }) => topics.length === names.length && topics.every((t) => t.partitions.every((p) => p.leader >= 0)),
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`test topics without leaders after 60 s: ${prefix}*`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
  return {
    kafka,
    prefix,
    async cleanup() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        if (topics.length) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Reads messages of a topic from the beginning until `count` arrived or the timeout passed. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30000,
): Promise<
  Array<{ key: string | null; value: string; headers: Record<string, string>; partition: number; offset: string }>
> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}` });
  const out: Array<{
    key: string | null;
    value: string;
    headers: Record<string, string>;
    partition: number;
    offset: string;
  }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length} of ${count} messages from ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
          out.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            headers,
            partition,
            offset: message.offset,
          });
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
