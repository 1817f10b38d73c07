import type { TrainingRunDetail } from '@shelfcast/contracts';
import type { ServiceProcess } from '@shelfcast/testing';

import { trainerEnvironment, type TrainerEnvironment } from './harness';

/**
 * A worker is SIGKILLed while it runs a job: it stops renewing the job's lock; once the lock has
 * expired another worker takes the job over and completes it, under the same run id, and the model
 * is registered once.
 */
const finished = (r: TrainingRunDetail) => r.status !== 'running' && r.status !== 'queued';

describe('a run whose worker is killed', () => {
  let env: TrainerEnvironment;
  let registry: ServiceProcess;

  beforeAll(async () => {
    env = await trainerEnvironment('trainer_takeover');
    registry = await env.startRegistry();
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

    const run = await env.waitForRun(second.base, id, 'finished', finished);
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
    await second.service.stop();
  }, 600_000);

  it('registers once when killed while registering: the version it registered is the one the taker gets', async () => {
    const first = await env.startTrainer({ TRAINER_LOCK_MS: '4000' });
    // The registry is paused: the worker's registration waits in its socket until the worker is dead.
    registry.child.kill('SIGSTOP');
    let resumed = false;
    try {
      const id = await env.startRun(first.base, { kind: 'train', spec: env.trainSpec('demand-register-kill') });
      const registering = await env.waitForRun(first.base, id, 'registering', (r) => r.stage === 'register');
      expect(registering.worker).toBe(first.worker);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await first.service.stop('SIGKILL')).toBeNull();
      registry.child.kill('SIGCONT');
      resumed = true;

      // The dead worker's request is served after all: its version exists, and its run never heard back.
      let versions = await env.registry.search({ name: 'demand-register-kill' });
      for (let i = 0; i < 100 && versions.items.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        versions = await env.registry.search({ name: 'demand-register-kill' });
      }
      expect(versions.items.map((v) => [v.version, v.runId])).toEqual([[1, id]]);

      const second = await env.startTrainer();
      const run = await env.waitForRun(second.base, id, 'finished', finished);
      expect(run).toMatchObject({ status: 'succeeded', modelVersion: 1, attempts: 2, worker: second.worker });
      expect(run.logs.map((l) => l.message)).toContain(
        'demand-register-kill version 1 was already registered by this run',
      );
      expect((await env.registry.search({ name: 'demand-register-kill' })).items.map((v) => v.runId)).toEqual([id]);
      expect((await env.jobEvents(id)).filter((e) => e === 'completed')).toHaveLength(1);
    } finally {
      if (!resumed) registry.child.kill('SIGCONT');
    }
  }, 600_000);
});
