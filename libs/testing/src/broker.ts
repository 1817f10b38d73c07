import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './process';

const KAFKA_SH = path.resolve(__dirname, '../../../scripts/kafka/kafka.sh');

export interface TestBroker {
  brokers: string[];
  start(): Promise<void>;
  /** Stops the broker (SIGTERM, as an operator or Kubernetes would). */
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

function run(command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'bash',
      [KAFKA_SH, command],
      { env: { ...process.env, ...env }, timeout: 180_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kafka.sh ${command} failed: ${stderr || stdout || err.message}`)) : resolve(stdout),
    ),
  );
}

/**
 * A Kafka broker of the test's own (same jars as the project's broker, its own ports and data),
 * for tests that stop and restart a broker without disturbing everyone else's.
 */
export async function createTestBroker(): Promise<TestBroker> {
  const port = await freePort();
  const controllerPort = await freePort();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfcast-broker-'));
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_RUN_DIR: runDir,
    KAFKA_HEAP: '384m',
    LOG_QUIET: '1',
  };
  const broker: TestBroker = {
    brokers: [`127.0.0.1:${port}`],
    start: async () => {
      await run('start', env);
    },
    stop: async () => {
      await run('stop', env);
    },
    destroy: async () => {
      await run('stop', env).catch(() => undefined);
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
