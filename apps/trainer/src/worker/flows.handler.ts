import { Inject, Injectable } from '@nestjs/common';
import type { TrainingRun } from '@shelfcast/db';
import type { JobInput, RetrainAllJobData, TuneJobData } from '@shelfcast/queue';
import type { RegistryClient } from '@shelfcast/registry-client';
import { WaitingChildrenError, type Job } from 'bullmq';
import type { Pool } from 'pg';

import type { Registration } from '../pipeline';
import { loadSeriesCatalog, selectSeries } from '../pipeline/series-filter';
import { TrainingQueue } from '../queue/training-queue';
import { childRunId } from '../runs/run-ids';
import { RunsRepository, type ErrorKind, type NewRun, type RunOutcome } from '../runs/runs.repository';
import { FEATURE_POOL, REGISTRY_CLIENT } from '../tokens';
import { PermanentRunError } from './errors';
import { planGroups } from './groups';
import type { RunScope } from './run-scope';
import { sampleTrials } from './search';

/** One attempt of a parent run: the job and its lock token (to wait for its children). */
export interface ParentAttempt {
  runId: string;
  scope: RunScope;
  job: Job;
  token: string;
  row: TrainingRun;
}

interface Child<N extends 'train' | 'tune-trial'> {
  name: N;
  data: JobInput<N> & { runId: string; modelName: string };
}

/** The stage a parent waits in while its children run. */
export const WAITING_STAGES = { tune: 'trials', 'retrain-all': 'parts' } as const;

/** Strips what only a parent's payload holds, leaving a `train` spec. */
function trainFields<T extends TuneJobData | RetrainAllJobData>(data: T) {
  const {
    runId: _runId,
    origin: _origin,
    ...rest
  } = data as T & { search?: unknown; groupBy?: unknown; storeGroups?: unknown };
  const { search: _search, groupBy: _groupBy, storeGroups: _storeGroups, ...spec } = rest;
  return spec;
}

/**
 * Parent runs as BullMQ flows: a parent adds its children (with stable ids) to the queue under itself,
 * then waits in waiting-children without holding a worker; every worker of the queue takes children;
 * once they have all finished (failures included), the parent runs again and aggregates.
 * - `tune`: one `tune-trial` per sampled hyper-parameter set; the best by the search metric is registered
 *   under the tune's run id.
 * - `retrain-all`: one `train` per category, department or store group; the parent sums them up.
 */
@Injectable()
export class FlowHandler {
  constructor(
    private readonly runs: RunsRepository,
    private readonly queue: TrainingQueue,
    @Inject(FEATURE_POOL) private readonly pool: Pool,
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
  ) {}

  async tune(data: TuneJobData, attempt: ParentAttempt): Promise<RunOutcome> {
    const { runId, scope } = attempt;
    const spec = trainFields(data);
    if (attempt.row.stage !== WAITING_STAGES.tune) {
      const trials = sampleTrials(data.search.space, data.search.trials, data.search.seed, data.hyperParameters);
      await this.fanOut(
        attempt,
        'tune-trial',
        trials.map((hyperParameters, trial) => ({
          name: 'tune-trial',
          data: { ...spec, hyperParameters, trial, runId: childRunId(runId, 't', trial), origin: this.origin(runId) },
        })),
        WAITING_STAGES.tune,
      );
      scope.log(`started ${trials.length} trials`, { metric: data.search.metric });
    }
    await this.waitForChildren(attempt);

    const children = await this.runs.children(runId);
    const metric = data.search.metric;
    const value = (c: TrainingRun) => (c.metrics as { model?: Record<string, number> } | null)?.model?.[metric];
    const trials = children.map((c) => {
      const result = (c.result ?? {}) as { trial?: number; hyperParameters?: Record<string, unknown> };
      return {
        runId: c.id,
        trial: result.trial ?? null,
        status: c.status,
        value: value(c) ?? null,
        hyperParameters: result.hyperParameters ?? (c.spec as { hyperParameters?: unknown }).hyperParameters ?? null,
        error: c.error,
      };
    });
    if (attempt.row.cancelRequested || scope.signal.aborted) return this.cancelled(scope);
    const ranked = trials
      .filter((t) => t.status === 'succeeded' && typeof t.value === 'number' && Number.isFinite(t.value))
      .sort((a, b) => (a.value as number) - (b.value as number) || a.runId.localeCompare(b.runId));
    if (ranked.length === 0)
      return this.failedChildren(scope, children, `no trial of ${children.length} succeeded`, { metric, trials });
    const best = ranked[0];
    const candidate = await this.runs.candidate(best.runId);
    if (!candidate) throw new PermanentRunError(`the model of the best trial ${best.runId} is missing`, 'internal');

    scope.progress('register', 0);
    const registration = candidate.registration as Omit<Registration, 'artifact'> & {
      artifact: Omit<Registration['artifact'], 'base64'>;
    };
    const registered = await this.registry.registerVersion(data.modelName, {
      ...registration,
      artifact: { ...registration.artifact, base64: candidate.artifact.toString('base64') },
      tags: { ...registration.tags, tuneTrial: best.runId, tuneMetric: metric },
      runId,
      createdBy: data.requestedBy,
    });
    scope.progress('register', 1);
    scope.log(`registered the best trial ${best.runId} as ${data.modelName} version ${registered.version.version}`, {
      metric,
      value: best.value,
    });
    const bestRow = children.find((c) => c.id === best.runId);
    return {
      // The trials' models are dropped once the run is finished: a retry before that registers from them again (same run id).
      afterFinish: () => this.runs.dropCandidates(children.map((c) => c.id)),
      status: 'succeeded',
      stage: 'register',
      modelVersion: registered.version.version,
      metrics: (bestRow?.metrics as Record<string, unknown> | null) ?? undefined,
      result: { metric, best, trials },
      stageMs: scope.timings(),
    };
  }

  async retrainAll(data: RetrainAllJobData, attempt: ParentAttempt): Promise<RunOutcome> {
    const { runId, scope } = attempt;
    if (attempt.row.stage !== WAITING_STAGES['retrain-all']) {
      scope.progress('plan', 0);
      // The plan is fixed by the run's first start, so that a takeover plans the same parts.
      const cutoff = data.trainingWindow?.to ?? (attempt.row.startedAt ?? new Date()).toISOString().slice(0, 10);
      const selected = selectSeries(await loadSeriesCatalog(this.pool, cutoff, null), data.seriesFilter);
      if (selected.length === 0)
        throw new PermanentRunError('the series filter selects no series in the feature store');
      const plan = planGroups(selected, data);
      if (plan.groups.length === 0)
        throw new PermanentRunError(`none of the ${selected.length} series selected has a ${data.groupBy}`);
      if (plan.ungrouped > 0)
        scope.log(`${plan.ungrouped} series have no ${data.groupBy} (no product record) and are left out`, {}, 'warn');
      const spec = trainFields(data);
      await this.fanOut(
        attempt,
        'train',
        plan.groups.map((g, i) => ({
          name: 'train',
          data: {
            ...spec,
            modelName: g.modelName,
            seriesFilter: g.seriesFilter,
            runId: childRunId(runId, 'p', i),
            origin: this.origin(runId),
          },
        })),
        WAITING_STAGES['retrain-all'],
        {
          groupBy: data.groupBy,
          groups: plan.groups.map((g) => ({ label: g.label, modelName: g.modelName, series: g.series })),
          ungrouped: plan.ungrouped,
        },
      );
      scope.log(`started ${plan.groups.length} parts by ${data.groupBy}`, { series: selected.length });
    }
    await this.waitForChildren(attempt);

    const children = await this.runs.children(runId);
    const parts = children.map((c) => ({
      runId: c.id,
      modelName: c.modelName,
      status: c.status,
      modelVersion: c.modelVersion,
      series: Number((c.result as { series?: number } | null)?.series ?? 0),
      metrics: (c.metrics as { model?: Record<string, number> } | null)?.model ?? null,
      error: c.error,
    }));
    if (attempt.row.cancelRequested || scope.signal.aborted) return this.cancelled(scope);
    const ok = children.filter((c) => c.status === 'succeeded');
    const result = {
      groupBy: data.groupBy,
      parts,
      ungrouped: (attempt.row.result as { ungrouped?: number } | null)?.ungrouped ?? 0,
    };
    if (ok.length < children.length)
      return this.failedChildren(
        scope,
        children,
        `${children.length - ok.length} of ${children.length} parts failed`,
        result,
      );
    const metrics = {
      series: ok.reduce((s, c) => s + Number((c.result as { series?: number } | null)?.series ?? 0), 0),
      model: weightedMean(ok, 'model'),
      seasonalNaive: weightedMean(ok, 'seasonalNaive'),
    };
    scope.log(`all ${ok.length} parts succeeded`, { series: metrics.series, model: metrics.model });
    return { status: 'succeeded', stage: 'aggregate', metrics, result, stageMs: scope.timings() };
  }

  private origin(parentRunId: string) {
    return { trigger: 'parent' as const, parentRunId };
  }

  /** Records the children as queued runs of this parent and adds their jobs under the parent's. */
  private async fanOut<N extends 'train' | 'tune-trial'>(
    attempt: ParentAttempt,
    kind: N,
    children: Array<Child<N>>,
    stage: string,
    result?: Record<string, unknown>,
  ): Promise<void> {
    const { job, runId, scope } = attempt;
    // The waiting stage is recorded only once every child is in the queue: a worker that takes this
    // run over after a crash half-way through adds them again (same ids: BullMQ keeps one of each).
    scope.progress('plan', 0.5);
    const rows: NewRun[] = children.map((c) => ({
      id: c.data.runId,
      kind,
      modelName: c.data.modelName,
      spec: c.data as unknown as Record<string, unknown>,
      trigger: 'parent',
      requestedBy: attempt.row.requestedBy,
      maxAttempts: attempt.row.maxAttempts,
      parentId: runId,
    }));
    await this.runs.create(rows);
    for (const c of children)
      await this.queue.add(c.name, c.data, {
        parent: { id: job.id as string, queue: job.queueQualifiedName },
        // A failed child does not block its parent: the parent reports it.
        ignoreDependencyOnFailure: true,
      });
    await this.runs.setStage(runId, stage, result ? { result } : {});
    await this.runs.updateParentPercent(runId);
  }

  /** Moves the parent to waiting-children; BullMQ runs it again once every child has finished. */
  private async waitForChildren(attempt: ParentAttempt): Promise<void> {
    await attempt.scope.flush();
    if (await attempt.job.moveToWaitingChildren(attempt.token)) throw new WaitingChildrenError();
    attempt.scope.progress('aggregate', 0);
  }

  private cancelled(scope: RunScope): RunOutcome {
    return { status: 'cancelled', error: 'cancelled', errorKind: 'cancelled', stageMs: scope.timings() };
  }

  private failedChildren(
    scope: RunScope,
    children: TrainingRun[],
    summary: string,
    result: Record<string, unknown>,
  ): RunOutcome {
    const failed = children.filter((c) => c.status !== 'succeeded');
    const detail = failed
      .slice(0, 5)
      .map((c) => `${c.id} (${c.modelName}): ${c.status}${c.error ? `: ${c.error}` : ''}`)
      .join('; ');
    const kinds = new Set(failed.map((c) => c.errorKind ?? 'internal'));
    const errorKind: ErrorKind = kinds.size === 1 ? ([...kinds][0] as ErrorKind) : 'internal';
    return {
      status: 'failed',
      error: `${summary}: ${detail}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}`,
      errorKind,
      result,
      stageMs: scope.timings(),
    };
  }
}

/** Series-weighted mean of each metric of the children's `metrics[field]`. */
function weightedMean(children: TrainingRun[], field: 'model' | 'seasonalNaive'): Record<string, number> {
  const sums = new Map<string, { value: number; weight: number }>();
  for (const c of children) {
    const weight = Number((c.result as { series?: number } | null)?.series ?? 0) || 1;
    const values = (c.metrics as Record<string, Record<string, number>> | null)?.[field] ?? {};
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const s = sums.get(k) ?? { value: 0, weight: 0 };
      s.value += v * weight;
      s.weight += weight;
      sums.set(k, s);
    }
  }
  return Object.fromEntries([...sums].map(([k, s]) => [k, Number((s.value / s.weight).toPrecision(6))]));
}
