import type { TrainingRunDetail } from '@shelfcast/contracts';

import { trainerEnvironment, type TrainerEnvironment, type TrainerProcess } from './harness';

/**
 * Parent runs as BullMQ flows, on two trainer processes sharing the queue: `tune` runs its trials as
 * children and registers the best; `retrain-all` runs one child per department and sums them up.
 */
describe('tune and retrain-all flows', () => {
  let env: TrainerEnvironment;
  let trainers: TrainerProcess[];

  beforeAll(async () => {
    env = await trainerEnvironment('trainer_flows', { stores: 2, skus: 8, days: 120, seed: 9 });
    await env.startRegistry();
    trainers = await Promise.all([env.startTrainer(), env.startTrainer()]);
  }, 600_000);

  afterAll(async () => {
    await env?.close();
  });

  const done = (r: TrainingRunDetail) => ['succeeded', 'failed', 'cancelled'].includes(r.status);

  it('tune: runs every trial as a child and registers the best one, once', async () => {
    const [api] = trainers;
    const id = await env.startRun(api.base, {
      kind: 'tune',
      spec: {
        ...env.trainSpec('demand-tuned'),
        search: { space: { numTrees: { values: [3, 40] }, learningRate: { values: [0.02, 0.15] } }, trials: 4 },
      },
    });
    const run = await env.waitForRun(api.base, id, 'finished', done, 600_000);
    expect(run).toMatchObject({ status: 'succeeded', kind: 'tune', percent: 100, modelVersion: 1 });
    expect(run.children).toHaveLength(4);
    expect(run.children.every((c) => c.kind === 'tune-trial' && c.status === 'succeeded')).toBe(true);

    // The best trial by WAPE is the one registered, under the tune's run id; the trials registered nothing.
    const trials = (
      run.result as { trials: Array<{ runId: string; value: number; hyperParameters: Record<string, unknown> }> }
    ).trials;
    expect(trials).toHaveLength(4);
    const best = [...trials].sort((a, b) => a.value - b.value)[0];
    expect((run.result as { best: { runId: string } }).best.runId).toBe(best.runId);
    const versions = await env.registry.search({ name: 'demand-tuned' });
    expect(versions.items).toHaveLength(1);
    const version = versions.items[0];
    expect(version).toMatchObject({ version: 1, runId: id });
    expect(version.hyperParameters).toMatchObject({
      numTrees: best.hyperParameters.numTrees,
      learningRate: best.hyperParameters.learningRate,
    });
    expect(version.tags.tuneTrial).toBe(best.runId);
    expect(version.metrics.model.wape).toBeCloseTo(best.value, 12);
    // Grid of 2 x 2 values: every combination tried once.
    expect(
      new Set(trials.map((t) => `${String(t.hyperParameters.numTrees)}/${String(t.hyperParameters.learningRate)}`))
        .size,
    ).toBe(4);
    const { rows } = await env.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM training_candidates');
    expect(rows[0].n).toBe(0);
  }, 600_000);

  it('retrain-all: fans out one run per department over both workers and completes with the sum of its parts', async () => {
    const [api] = trainers;
    const { rows: departments } = await env.pool.query<{ department: string }>(
      `SELECT DISTINCT data->>'department' AS department FROM retail_events WHERE type = 'shelfcast.product.upserted.v1' ORDER BY 1`,
    );
    expect(departments.length).toBeGreaterThan(1);
    const id = await env.startRun(api.base, {
      kind: 'retrain-all',
      spec: { ...env.trainSpec('demand-all'), groupBy: 'department' },
    });
    const run = await env.waitForRun(api.base, id, 'finished', done, 600_000);
    expect(run).toMatchObject({ status: 'succeeded', kind: 'retrain-all', percent: 100 });
    expect(run.children.map((c) => c.modelName).sort()).toEqual(
      departments.map((d) => `demand-all.${d.department}`).sort(),
    );
    expect(run.children.every((c) => c.kind === 'train' && c.status === 'succeeded' && c.modelVersion === 1)).toBe(
      true,
    );

    const parts = (run.result as { parts: Array<{ modelName: string; series: number; runId: string }> }).parts;
    const metrics = run.metrics as { series: number; model: Record<string, number> };
    expect(metrics.series).toBe(parts.reduce((s, p) => s + p.series, 0));
    expect(metrics.series).toBe(16);
    expect(Number.isFinite(metrics.model.wape)).toBe(true);
    for (const p of parts) {
      const version = await env.registry.getVersion(p.modelName, 1);
      expect(version.runId).toBe(p.runId);
      expect(version.dataset.series).toBe(p.series);
    }
    const children = await env.call(api.base, 'GET', `/v1/runs?parentId=${id}`);
    expect((children.body.items as unknown[]).length).toBe(departments.length);
  }, 600_000);
});
