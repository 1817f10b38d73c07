import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Prepended to topic and group names, so tests and tenants can share a broker. */
  topicPrefix?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: KafkaConfig['retry'];
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(options: KafkaClientOptions): Kafka {
  // kafkajs warns once about its v2 partitioner change; we pick the partitioner explicitly on every producer.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const log = options.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    retry: options.retry ?? { initialRetryTime: 200, retries: 8, maxRetryTime: 10000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // The coordinator is briefly unavailable while a fresh broker loads; kafkajs retries those.
        const transient =
          /coordinator is (loading|not available)|not the correct coordinator|not the leader|does not host this topic-partition/i.test(
            String(rest.error ?? ''),
          ) ||
          // We bound producer retries on purpose: a request must fail (503) rather than hang while Kafka is down.
          /Limiting retries for the idempotent producer/.test(message);
        log[transient ? 'debug' : (LEVELS[level] ?? 'info')](rest, message);
      },
  });
}

/** The physical name of a topic or group under a prefix. */
export function prefixed(prefix: string | undefined, name: string): string {
  return prefix ? `${prefix}${name}` : name;
}
