import { createHash } from 'node:crypto';

import type { TrainingRunDetail } from '@shelfcast/contracts';
import { runOnnxModel } from '@shelfcast/ml';

import { trainerEnvironment, type TrainerEnvironment, type TrainerProcess } from './harness';

/**
 * One trainer (worker + API, concurrency 1) and one registry, as their own processes, on a feature
 * store holding 12 simulated series. The feature store is held still with a table lock where a test
 * needs a run to be in a known stage (running, reading its dataset) while it acts.
 */
describe('trainer runs on the real servers', () => {
  let env: TrainerEnvironment;
  let trainer: TrainerProcess;
  let firstRun: TrainingRunDetail;

  beforeAll(async () => {
    env = await trainerEnvironment('trainer_runs');
    await env.startRegistry();
    trainer = await env.startTrainer({ TRAINER_ATTEMPTS: '4' });
  }, 300_000);

  // A test that fails while it holds the feature store must not leave the next tests' worker stuck.
  afterEach(() => env.releaseFeatureStore());

  afterAll(async () => {
    await env?.close();
  });

  const finished = (r: TrainingRunDetail) => ['succeeded', 'failed', 'cancelled'].includes(r.status);

  it('refuses a bad request with 400 naming each field, and answers 404 for an unknown run', async () => {
    const bad = await env.call(trainer.base, 'POST', '/v1/runs', {
      kind: 'train',
      spec: { modelName: 'Not Valid', family: 'gbdt', featureSetVersion: 'x', horizon: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.details?.map((d) => d.path).sort()).toEqual(['spec.horizon', 'spec.modelName']);

    const kind = await env.call(trainer.base, 'POST', '/v1/runs', { kind: 'deploy', spec: {} });
    expect(kind.status).toBe(400);
    expect(kind.body.error.details?.[0].path).toBe('kind');

    const query = await env.call(trainer.base, 'GET', '/v1/runs?limit=0&status=done');
    expect(query.status).toBe(400);
    expect(query.body.error.details?.map((d) => d.path).sort()).toEqual(['limit', 'status.0']);

    // What the schemas let through but PostgreSQL cannot hold: a 400 naming the field, never a 500.
    const spec = env.trainSpec('demand');
    for (const [body, path] of [
      [{ kind: 'train', spec: { ...spec, requestedBy: 'ops\u0000' } }, 'spec.requestedBy'],
      [{ kind: 'train', spec: { ...spec, seriesFilter: { skus: ['sku-\ud800'] } } }, 'spec.seriesFilter.skus.0'],
      [
        { kind: 'train', spec: { ...spec, trainingWindow: { from: '0000-01-01', to: '2024-03-01' } } },
        'spec.trainingWindow.from',
      ],
    ] as const) {
      const answer = await env.call(trainer.base, 'POST', '/v1/runs', body);
      expect([answer.status, answer.body.error.details?.[0].path]).toEqual([400, path]);
    }
    const zeroYear = await env.call(trainer.base, 'GET', '/v1/runs?createdAfter=0000-01-01T00:00:00Z');
    expect([zeroYear.status, zeroYear.body.error.details?.[0].path]).toEqual([400, 'createdAfter']);
    const nulId = await env.call(trainer.base, 'GET', '/v1/runs/run%00x');
    expect([nulId.status, nulId.body.error.details?.[0].path]).toEqual([400, 'id']);

    expect((await env.call(trainer.base, 'GET', '/v1/runs/run_missing')).status).toBe(404);
    expect((await env.call(trainer.base, 'POST', '/v1/runs/run_missing/cancel')).status).toBe(404);
    const docs = await fetch(`${trainer.base}/openapi.json`);
    expect(((await docs.json()) as { paths: object }).paths).toHaveProperty(['/v1/runs/{id}/cancel']);
  }, 300_000);

  it('trains from the feature store’s events to a registered ONNX version, with progress visible on the way', async () => {
    // Held in its dataset stage: running, on this worker, with its stage and percent in the API and on the job.
    const reading = await env.startHeldRun(trainer.base, env.trainSpec('demand'));
    const id = reading.id;
    expect(reading).toMatchObject({ status: 'running', worker: trainer.worker, attempts: 1, trigger: 'api' });
    expect(reading.percent).toBeGreaterThanOrEqual(0);
    expect(reading.percent).toBeLessThan(25);
    expect((await env.queue.getJob(id))?.progress).toMatchObject({ stage: 'dataset' });
    await env.releaseFeatureStore();

    firstRun = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(firstRun).toMatchObject({ status: 'succeeded', percent: 100, modelVersion: 1, attempts: 1, error: null });
    for (const stage of ['dataset', 'train', 'backtest', 'export', 'parity', 'register'])
      expect(firstRun.stageMs[stage]).toBeGreaterThanOrEqual(0);
    const metrics = firstRun.metrics as { model: Record<string, number>; seasonalNaive: Record<string, number> };
    expect(Number.isFinite(metrics.model.wape)).toBe(true);
    expect(Number.isFinite(metrics.seasonalNaive.wape)).toBe(true);
    expect(firstRun.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['pipeline stage train started', 'registered demand version 1', 'run succeeded']),
    );

    // The registry holds it under the run's id, with an artifact that hashes right and runs in onnxruntime.
    const version = await env.registry.getVersion('demand', 1);
    expect(version).toMatchObject({ runId: id, family: 'gbdt', codeVersion: 'test', createdBy: 'test' });
    const { bytes } = await env.registry.getArtifact('demand', 1);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(version.artifact.sha256);
    const { horizon, features, inputs, outputs } = version.signature;
    const out = await runOnnxModel(bytes, new Float32Array(horizon * features.length), [horizon, features.length], {
      inputName: inputs[0].name,
      outputName: outputs[0].name,
    });
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);

    const listed = await env.call(trainer.base, 'GET', '/v1/runs?modelName=demand&status=succeeded');
    expect((listed.body.items as Array<{ id: string }>).map((r) => r.id)).toEqual([id]);
  }, 300_000);

  it('backtests a registered version on other windows and appends the evaluation to it', async () => {
    const spec = { ...env.trainSpec('demand'), modelVersion: 1, backtest: { windows: 3, step: 5 } };
    const id = await env.startRun(trainer.base, { kind: 'backtest', spec });
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run).toMatchObject({ status: 'succeeded', kind: 'backtest', modelVersion: 1, percent: 100 });
    const metrics = run.metrics as { windows: { key: string; cutoffs: string[] }; model: Record<string, number> };
    expect(metrics.windows.cutoffs).toHaveLength(3);
    const evaluations = await env.registry.listEvaluations('demand', 1);
    expect(evaluations.map((e) => [e.windows.key, e.model.wape, e.runId])).toEqual([
      [metrics.windows.key, metrics.model.wape, id],
    ]);

    // A version the registry does not have: the registry's 404 is not retried.
    const missing = await env.startRun(trainer.base, { kind: 'backtest', spec: { ...spec, modelVersion: 9 } });
    const failed = await env.waitForRun(trainer.base, missing, 'finished', finished);
    expect(failed).toMatchObject({ status: 'failed', errorKind: 'invalid_spec', attempts: 1 });
    expect(failed.error).toContain('404');
  }, 300_000);

  it('fails a bad spec at once, with a readable error and no retry', async () => {
    const id = await env.startRun(trainer.base, {
      kind: 'train',
      spec: env.trainSpec('demand-bad', { featureSetVersion: 'retail@99' }),
    });
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run).toMatchObject({ status: 'failed', errorKind: 'invalid_spec', attempts: 1 });
    expect(run.error).toContain('featureSetVersion "retail@99" is not the feature set the store serves');
    const job = await env.queue.getJob(id);
    expect(job?.attemptsMade).toBe(1);
    expect(await job?.getState()).toBe('failed');
  }, 300_000);

  it('retries a run after a transient fault (its database sessions ended mid-run) and succeeds', async () => {
    const { id } = await env.startHeldRun(trainer.base, env.trainSpec('demand-retry'));
    expect(await env.terminateTrainerSessions()).toBeGreaterThan(0);
    await env.releaseFeatureStore();
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run).toMatchObject({ status: 'succeeded', modelVersion: 1, attempts: 2 });
    expect(run.logs.map((l) => l.message).join('\n')).toMatch(/attempt 1 failed, retrying with backoff: .*terminat/);
  }, 300_000);

  it('cancels a running run: its worker stops it, nothing is registered', async () => {
    const { id } = await env.startHeldRun(trainer.base, env.trainSpec('demand-cancel'));
    const cancel = await env.call(trainer.base, 'POST', `/v1/runs/${id}/cancel`, {
      actor: 'alice',
      reason: 'wrong filter',
    });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ cancelRequested: true });
    // The worker got it (its log says so), and its statement waiting on the held store is cancelled in
    // PostgreSQL: the run ends while the store is still held.
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run.logs.some((l) => l.message.startsWith('cancel received by worker'))).toBe(true);
    await env.releaseFeatureStore();
    expect(run).toMatchObject({ status: 'cancelled', errorKind: 'cancelled', attempts: 1, modelVersion: null });
    expect(run.error).toBe('cancelled during dataset');
    await expect(env.registry.getModel('demand-cancel')).rejects.toMatchObject({ status: 404 });
    // Again: nothing to do; a finished run cannot be cancelled.
    expect((await env.call(trainer.base, 'POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    expect((await env.call(trainer.base, 'POST', `/v1/runs/${firstRun.id}/cancel`)).status).toBe(409);
  }, 300_000);

  it('cancels a run in its train stage: the fit (on its own thread) stops, nothing is registered', async () => {
    // Slow learning and patient early stopping keep the fit going for thousands of rounds.
    const spec = env.trainSpec('demand-cancel-fit', {
      hyperParameters: { numTrees: 5000, learningRate: 0.001, earlyStoppingRounds: 1000, trainAnchors: 14 },
    });
    const id = await env.startRun(trainer.base, { kind: 'train', spec });
    const training = await env.waitForRun(trainer.base, id, 'fitting', (r) => r.stage === 'train' || finished(r));
    expect(training.status).toBe('running');
    const cancel = await env.call(trainer.base, 'POST', `/v1/runs/${id}/cancel`, { actor: 'alice' });
    expect(cancel.status).toBe(202);
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run).toMatchObject({ status: 'cancelled', errorKind: 'cancelled', modelVersion: null });
    expect(run.error).toBe('cancelled during train');
    await expect(env.registry.getModel('demand-cancel-fit')).rejects.toMatchObject({ status: 404 });
    // The worker goes on with the next run.
    const next = await env.startRun(trainer.base, { kind: 'train', spec: env.trainSpec('demand-after-cancel') });
    expect(await env.waitForRun(trainer.base, next, 'finished', finished)).toMatchObject({ status: 'succeeded' });
  }, 300_000);

  it('fails a run that outlives its timeout, without retrying it', async () => {
    const { id } = await env.startHeldRun(trainer.base, env.trainSpec('demand-slow', { timeoutSeconds: 1 }));
    // It ends while the store is still held: the timeout cancels the statement it waits on.
    const run = await env.waitForRun(trainer.base, id, 'finished', finished);
    expect(run.logs.some((l) => l.message.startsWith('timed out after'))).toBe(true);
    await env.releaseFeatureStore();
    expect(run).toMatchObject({ status: 'failed', errorKind: 'timeout', attempts: 1 });
    expect(run.error).toBe('timed out during dataset');
  }, 300_000);

  it('retrains a model on an accuracy alert with its last successful spec, one pending retraining per model', async () => {
    // Keep the only worker busy so that the retraining stays queued while the alerts arrive.
    const { id: blocker } = await env.startHeldRun(trainer.base, env.trainSpec('demand-blocker'));

    await env.publishAlert({
      kind: 'model-load-failed',
      severity: 'critical',
      message: 'not ours',
      modelName: 'demand',
    });
    await env.publishAlert({
      kind: 'accuracy-degraded',
      severity: 'warning',
      message: 'WAPE up 30 %',
      modelName: 'demand',
    });
    await env.publishAlert({ kind: 'data-drift', severity: 'warning', message: 'price drift', modelName: 'demand' });
    await env.waitUntil('the alerts were taken', async () => {
      const count = (outcome: string) => env.metric(trainer.base, 'shelfcast_trainer_alerts_total', { outcome });
      return (await count('enqueued')) === 1 && (await count('deduplicated')) === 1 && (await count('ignored')) === 1;
    });
    const alerts = await env.call(trainer.base, 'GET', '/v1/runs?trigger=alert');
    const items = alerts.body.items as Array<{
      id: string;
      status: string;
      modelName: string;
      spec: Record<string, unknown>;
    }>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 'queued', modelName: 'demand' });
    const { runId: _a, origin: _b, requestedBy: _c, ...retrained } = items[0].spec;
    const { runId: _d, origin: _e, requestedBy: _f, ...original } = firstRun.spec;
    expect(retrained).toEqual(original);
    expect(items[0].spec.requestedBy).toBe('alert:accuracy-degraded');

    await env.releaseFeatureStore();
    const run = await env.waitForRun(trainer.base, items[0].id, 'finished', finished);
    expect(run).toMatchObject({ status: 'succeeded', modelVersion: 2, trigger: 'alert' });
    await env.waitForRun(trainer.base, blocker, 'finished', finished);
  }, 300_000);

  it('schedules repeatable retraining with a cron: create, list, run, disable, delete', async () => {
    const request = {
      kind: 'train',
      spec: env.trainSpec('demand-nightly'),
      cron: '*/2 * * * * *',
      timezone: 'Europe/Berlin',
    };
    const badCron = await env.call(trainer.base, 'POST', '/v1/schedules', { ...request, cron: 'soon' });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.details?.[0].path).toBe('cron');
    const outOfRange = await env.call(trainer.base, 'POST', '/v1/schedules', { ...request, cron: '99 * * * * *' });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error.details?.[0].path).toBe('cron');
    const badZone = await env.call(trainer.base, 'POST', '/v1/schedules', { ...request, timezone: 'Mars/Base' });
    expect(badZone.body.error.details?.[0].path).toBe('timezone');

    const created = await env.call(trainer.base, 'POST', '/v1/schedules', request);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ modelName: 'demand-nightly', enabled: true, cron: '*/2 * * * * *' });
    expect(created.body.nextRunAt).not.toBeNull();
    expect((await env.queue.getJobScheduler(id))?.pattern).toBe('*/2 * * * * *');
    const list = await env.call(trainer.base, 'GET', '/v1/schedules?modelName=demand-nightly');
    expect((list.body.items as Array<{ id: string }>).map((s) => s.id)).toEqual([id]);

    // The scheduler adds a job on its cron; the worker records it as a run of the schedule.
    let scheduled: { id: string; scheduleId: string } | undefined;
    await env.waitUntil('a scheduled run was recorded', async () => {
      const runs = await env.call(trainer.base, 'GET', '/v1/runs?trigger=schedule');
      scheduled = (runs.body.items as Array<{ id: string; scheduleId: string }>)[0];
      return scheduled !== undefined;
    });
    expect(scheduled?.scheduleId).toBe(id);
    expect(scheduled?.id).toMatch(new RegExp(`^repeat:${id}:\\d+$`));

    const disabled = await env.call(trainer.base, 'PUT', `/v1/schedules/${id}`, { ...request, enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, nextRunAt: null });
    expect(await env.queue.getJobScheduler(id)).toBeUndefined();
    expect((await env.call(trainer.base, 'DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    expect((await env.call(trainer.base, 'GET', `/v1/schedules/${id}`)).status).toBe(404);

    // Runs the schedule started before it was disabled are runs like any other: cancel what is still open.
    const open = await env.call(trainer.base, 'GET', '/v1/runs?trigger=schedule&status=queued,running');
    for (const r of open.body.items as Array<{ id: string }>)
      await env.call(trainer.base, 'POST', `/v1/runs/${r.id}/cancel`);
    for (const r of open.body.items as Array<{ id: string }>)
      await env.waitForRun(trainer.base, r.id, 'finished', finished);
  }, 300_000);

  it('lists runs newest first, page by page', async () => {
    // One model's runs: a run the cron schedule queued before it was removed may still start meanwhile.
    const q = 'modelName=demand';
    const first = await env.call(trainer.base, 'GET', `/v1/runs?${q}&limit=2`);
    const second = await env.call(
      trainer.base,
      'GET',
      `/v1/runs?${q}&limit=2&cursor=${first.body.nextCursor as string}`,
    );
    const all = await env.call(trainer.base, 'GET', `/v1/runs?${q}&limit=200`);
    const ids = (page: typeof first) => (page.body.items as Array<{ id: string }>).map((r) => r.id);
    expect(ids(all).length).toBeGreaterThanOrEqual(3);
    expect([...ids(first), ...ids(second)]).toEqual(ids(all).slice(0, 4));
    const created = (all.body.items as Array<{ createdAt: string }>).map((r) => r.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  }, 300_000);
});
