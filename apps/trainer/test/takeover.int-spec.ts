import { trainerEnvironment, type TrainerEnvironment } from './harness';

/**
 * A worker is SIGKILLed while it runs a job: it stops renewing the job's lock; once the lock has
 * expired another worker takes the job over and completes it, under the same run id, and the model
 * is registered once.
 */
describe('a run whose worker is killed', () => {
  let env: TrainerEnvironment;

  beforeAll(async () => {
    env = await trainerEnvironment('trainer_takeover');
    await env.startRegistry();
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  });

  it('is completed exactly once by another worker, and registered once', async () => {
    // A short lock, so that the takeover comes soon after the kill.
    const takeover = { TRAINER_LOCK_MS: '4000' };
    const first = await env.startTrainer(takeover);
    const held = await env.startHeldRun(first.base, env.trainSpec('demand-takeover'));
    const id = held.id;
    expect(held.worker).toBe(first.worker);

    // The taker keeps the default lock: on a loaded machine a short one could expire under its own run.
    const second = await env.startTrainer();
    expect(await first.service.stop('SIGKILL')).toBeNull();
    // The second worker finds the job's lock expired and takes it over (it waits on the held store too).
    const taken = await env.waitForRun(
      second.base,
      id,
      'taken over',
      (r) => r.worker === second.worker && r.attempts === 2,
    );
    expect(taken.status).toBe('running');
    await env.releaseFeatureStore();

    const run = await env.waitForRun(
      second.base,
      id,
      'finished',
      (r) => r.status !== 'running' && r.status !== 'queued',
    );
    expect(run).toMatchObject({ status: 'succeeded', modelVersion: 1, attempts: 2, worker: second.worker });
    expect(run.logs.filter((l) => l.message === 'run succeeded')).toHaveLength(1);
    expect(run.logs.filter((l) => l.message.startsWith('attempt ')).map((l) => l.fields?.worker)).toEqual([
      first.worker,
      second.worker,
    ]);

    // One completion in the queue's event stream, one version in the registry, under the run's id.
    expect((await env.jobEvents(id)).filter((e) => e === 'completed')).toHaveLength(1);
    expect(await (await env.queue.getJob(id))?.getState()).toBe('completed');
    const versions = await env.registry.search({ name: 'demand-takeover' });
    expect(versions.items.map((v) => [v.version, v.runId])).toEqual([[1, id]]);
  }, 600_000);
});
