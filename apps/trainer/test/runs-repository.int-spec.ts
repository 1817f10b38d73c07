import { createPrismaClient, type PrismaClient } from '@shelfcast/db';
import { createTestSchema, type TestSchema } from '@shelfcast/testing';

import { RunsRepository, type NewRun } from '../src/runs/runs.repository';

/** The runs table's state transitions on real PostgreSQL, where a worker and the API race. */
describe('runs repository', () => {
  let schema: TestSchema;
  let prisma: PrismaClient;
  let repo: RunsRepository;

  beforeAll(async () => {
    schema = await createTestSchema('trainer_runs_repo');
    prisma = createPrismaClient({ url: schema.url, schema: schema.schema, maxConnections: 8 });
    repo = new RunsRepository(prisma);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await schema?.drop();
  });

  const newRun = (id: string): NewRun => ({
    id,
    kind: 'train',
    modelName: 'demand',
    spec: {},
    trigger: 'api',
    requestedBy: 'test',
    maxAttempts: 1,
  });

  it('never loses a cancel that races with a worker starting the run', async () => {
    const outcomes = { cancelledQueued: 0, flaggedRunning: 0 };
    for (let i = 0; i < 60; i++) {
      const id = `run_race_${i}`;
      await repo.create([newRun(id)]);
      const [started, answer] = await Promise.all([
        // Half the time the cancel starts first, half the time the worker.
        i % 2
          ? repo.begin(newRun(id), 'worker-a', true)
          : Promise.resolve().then(() => repo.begin(newRun(id), 'w', true)),
        i % 2 ? Promise.resolve().then(() => repo.requestCancel([id], 'stop')) : repo.requestCancel([id], 'stop'),
      ]);
      const row = await repo.find(id);
      if (started === null) {
        // The worker found it cancelled: it never ran.
        expect(row?.status).toBe('cancelled');
        expect(answer.cancelled).toEqual([id]);
        outcomes.cancelledQueued++;
      } else {
        // It runs: the worker must learn of the cancel, from the row it started with or the flag it polls.
        expect(row?.status).toBe('running');
        expect(row?.cancelRequested).toBe(true);
        expect(answer.flagged).toEqual([id]);
        outcomes.flaggedRunning++;
      }
    }
    expect(outcomes.cancelledQueued + outcomes.flaggedRunning).toBe(60);
  });

  it('cancels a queued run at once, flags a running one, and leaves a finished one alone', async () => {
    await repo.create([newRun('run_q'), newRun('run_r'), newRun('run_f')]);
    await repo.begin(newRun('run_r'), 'w', true);
    await repo.begin(newRun('run_f'), 'w', true);
    await repo.finish('run_f', { status: 'succeeded' });
    const answer = await repo.requestCancel(['run_q', 'run_r', 'run_f'], 'cancelled by ops');
    expect(answer).toEqual({ cancelled: ['run_q'], flagged: ['run_r'] });
    expect(await repo.find('run_q')).toMatchObject({ status: 'cancelled', error: 'cancelled by ops' });
    expect(await repo.find('run_r')).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await repo.find('run_f')).toMatchObject({ status: 'succeeded', cancelRequested: false });
    expect(await repo.begin(newRun('run_q'), 'w', true)).toBeNull();
  });
});
