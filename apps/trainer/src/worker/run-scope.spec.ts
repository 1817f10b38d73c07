import { createLogger } from '@shelfcast/observability';
import type { Job } from 'bullmq';

import type { RunsRepository } from '../runs/runs.repository';
import { RunScope, TRAIN_STAGES } from './run-scope';

function scope() {
  const writes: Array<{ stage: string; percent: number }> = [];
  const logs: string[] = [];
  const repo: Partial<RunsRepository> = {
    progress: async (_id, stage, percent) => void writes.push({ stage, percent }),
    appendLogs: async (_id, entries) => void logs.push(...entries.map((e) => e.message)),
  };
  const job: Partial<Job> = { name: 'train', updateProgress: async () => undefined };
  const s = new RunScope({
    runId: 'run_1',
    job: job as Job,
    repo: repo as RunsRepository,
    logger: createLogger('test', 'silent'),
    weights: TRAIN_STAGES,
    progressIntervalMs: 60_000,
  });
  return { s, writes, logs };
}

describe('RunScope', () => {
  it('maps stage fractions onto the run’s percent, never backwards', async () => {
    const { s, writes } = scope();
    s.progress('dataset', 0);
    await s.flush();
    expect(writes.at(-1)).toEqual({ stage: 'dataset', percent: 0 });
    s.progress('dataset', 0.5);
    s.progress('train', 0.5);
    await s.flush();
    expect(writes.at(-1)).toEqual({ stage: 'train', percent: 42.5 });
    s.progress('dataset', 0);
    await s.flush();
    expect(writes.at(-1)).toEqual({ stage: 'dataset', percent: 42.5 });
  });

  it('times each stage and keeps log lines for the runs table', async () => {
    const { s, logs } = scope();
    s.progress('dataset', 0);
    s.log('read 10 rows', { rows: 10 });
    s.progress('train', 0);
    const timings = s.timings();
    expect(Object.keys(timings).sort()).toEqual(['dataset', 'train']);
    await s.dispose();
    expect(logs).toEqual(['read 10 rows']);
  });

  it('tells why it was aborted', () => {
    const cancelled = scope().s;
    cancelled.abort(undefined);
    expect(cancelled.abortReason).toBe('cancelled');
    const timedOut = scope().s;
    timedOut.abort('timeout');
    expect(timedOut.abortReason).toBe('timeout');
    const followed = scope().s;
    const outer = new AbortController();
    followed.follow(outer.signal);
    outer.abort('shutdown');
    expect(followed.abortReason).toBe('shutdown');
  });
});
