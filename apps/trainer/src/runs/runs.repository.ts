import { Inject, Injectable } from '@nestjs/common';
import type {
  ListRunsQuery,
  RunKind,
  RunLogLine,
  RunStatus,
  TrainingRun as TrainingRunView,
  TrainingRunDetail,
} from '@shelfcast/contracts';
import { PRISMA, type Prisma, type PrismaClient, type TrainingRun } from '@shelfcast/db';
import { ApiError } from '@shelfcast/observability';

export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
const OPEN: RunStatus[] = ['queued', 'running'];

export type ErrorKind = NonNullable<TrainingRunView['errorKind']>;
export type Trigger = TrainingRunView['trigger'];

export interface NewRun {
  id: string;
  kind: RunKind;
  modelName: string;
  spec: Record<string, unknown>;
  trigger: Trigger;
  requestedBy: string;
  maxAttempts: number;
  scheduleId?: string;
  parentId?: string;
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  errorKind?: ErrorKind;
  metrics?: Record<string, unknown>;
  result?: Record<string, unknown>;
  modelVersion?: number;
  stageMs?: Record<string, number>;
  stage?: string;
  /** Clean-up that must wait until the run is recorded as finished (a retry before then still needs what it removes). */
  afterFinish?: () => Promise<void>;
}

export interface LogEntry {
  at: Date;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** The runs table: every run from request to outcome. Each write names the states it may leave, so concurrent writers never undo a finished run. */
@Injectable()
export class RunsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Records runs as queued; a run already recorded is left as it is. */
  async create(runs: NewRun[]): Promise<void> {
    if (runs.length === 0) return;
    const now = new Date();
    await this.prisma.trainingRun.createMany({
      data: runs.map((r) => ({
        id: r.id,
        kind: r.kind,
        modelName: r.modelName,
        spec: json(r.spec),
        trigger: r.trigger,
        requestedBy: r.requestedBy,
        maxAttempts: r.maxAttempts,
        scheduleId: r.scheduleId ?? null,
        parentId: r.parentId ?? null,
        // Set here (millisecond precision) so keyset cursors built from JavaScript dates match exactly.
        createdAt: now,
        updatedAt: now,
      })),
      skipDuplicates: true,
    });
  }

  async find(id: string): Promise<TrainingRun | null> {
    return this.prisma.trainingRun.findUnique({ where: { id } });
  }

  async get(id: string): Promise<TrainingRun> {
    const run = await this.find(id);
    if (!run) throw new ApiError(404, 'not_found', `no training run ${id}`);
    return run;
  }

  /**
   * A worker starts (or takes over, or resumes) a run: recorded as running by this worker, an attempt
   * counted unless it resumes a parent after its children. A run missing from the table (a scheduled
   * job, or one whose row was lost) is recorded now. Returns the row, or null when the run is finished
   * (or cancelled) already and must not run.
   */
  async begin(run: NewRun, worker: string, countAttempt: boolean): Promise<TrainingRun | null> {
    await this.create([run]);
    const now = new Date();
    const updated = await this.prisma.trainingRun.updateMany({
      where: { id: run.id, status: { in: OPEN } },
      data: {
        status: 'running',
        worker,
        ...(countAttempt ? { attempts: { increment: 1 } } : {}),
        maxAttempts: run.maxAttempts,
      },
    });
    if (updated.count === 0) return null;
    // The first start fixes the run's clock (and its dataset's knowledge bound on retries).
    await this.prisma.trainingRun.updateMany({ where: { id: run.id, startedAt: null }, data: { startedAt: now } });
    return this.find(run.id);
  }

  async progress(id: string, stage: string, percent: number): Promise<void> {
    await this.prisma.trainingRun.updateMany({
      where: { id, status: 'running' },
      data: { stage, percent: Math.round(percent * 10) / 10 },
    });
  }

  async appendLogs(id: string, entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.prisma.trainingRunLog.createMany({
      data: entries.map((e) => ({
        runId: id,
        at: e.at,
        level: e.level,
        message: e.message,
        fields: e.fields ? json(e.fields) : undefined,
      })),
    });
  }

  async setStage(id: string, stage: string, extra: { result?: Record<string, unknown> } = {}): Promise<void> {
    await this.prisma.trainingRun.updateMany({
      where: { id, status: { in: OPEN } },
      data: { stage, ...(extra.result ? { result: json(extra.result) } : {}) },
    });
  }

  /** The run's outcome; only an open run is finished (a cancelled run stays cancelled). */
  async finish(id: string, outcome: RunOutcome): Promise<boolean> {
    const updated = await this.prisma.trainingRun.updateMany({
      where: { id, status: { in: OPEN } },
      data: {
        status: outcome.status,
        finishedAt: new Date(),
        error: outcome.error ?? null,
        errorKind: outcome.errorKind ?? null,
        ...(outcome.status === 'succeeded' ? { percent: 100 } : {}),
        ...(outcome.stage ? { stage: outcome.stage } : {}),
        ...(outcome.metrics ? { metrics: json(outcome.metrics) } : {}),
        ...(outcome.result ? { result: json(outcome.result) } : {}),
        ...(outcome.modelVersion !== undefined ? { modelVersion: outcome.modelVersion } : {}),
        ...(outcome.stageMs ? { stageMs: json(outcome.stageMs) } : {}),
      },
    });
    return updated.count > 0;
  }

  /** An attempt failed and the queue retries it: queued again, with the error kept for the record. */
  async requeue(id: string, error: string, errorKind: ErrorKind, stageMs?: Record<string, number>): Promise<void> {
    await this.prisma.trainingRun.updateMany({
      where: { id, status: 'running' },
      data: { status: 'queued', error, errorKind, ...(stageMs ? { stageMs: json(stageMs) } : {}) },
    });
  }

  /**
   * Cancellation: a queued run is cancelled at once; a running one is flagged for its worker.
   * Returns what happened to each run (the run and its open children). Two conditional updates and
   * no read before them, so a worker starting a run meanwhile cannot make the request miss it: a
   * run still queued at the first is cancelled (its worker's start then finds it closed), one that
   * started (or went back to the queue for a retry) since is flagged by the second: its worker reads
   * the flag when it starts an attempt, and by poll.
   */
  async requestCancel(ids: string[], message: string): Promise<{ cancelled: string[]; flagged: string[] }> {
    const cancelled = await this.prisma.trainingRun.updateManyAndReturn({
      where: { id: { in: ids }, status: 'queued' },
      data: {
        status: 'cancelled',
        cancelRequested: true,
        finishedAt: new Date(),
        error: message,
        errorKind: 'cancelled',
      },
      select: { id: true },
    });
    const flagged = await this.prisma.trainingRun.updateManyAndReturn({
      where: { id: { in: ids }, status: { in: OPEN } },
      data: { cancelRequested: true },
      select: { id: true },
    });
    return { cancelled: cancelled.map((r) => r.id), flagged: flagged.map((r) => r.id) };
  }

  /** Of these running runs, those whose cancellation was requested. */
  async cancelRequested(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.trainingRun.findMany({
      where: { id: { in: ids }, cancelRequested: true },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  async children(parentId: string): Promise<TrainingRun[]> {
    return this.prisma.trainingRun.findMany({ where: { parentId }, orderBy: { id: 'asc' } });
  }

  async openChildren(parentId: string): Promise<string[]> {
    const rows = await this.prisma.trainingRun.findMany({
      where: { parentId, status: { in: OPEN } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** A parent's percent from its children: the share finished, up to 95 (the parent's own last step is the rest). */
  async updateParentPercent(parentId: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE training_runs p SET percent = c.done * 95.0 / c.total, updated_at = now()
      FROM (SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'cancelled')) AS done, count(*) AS total
            FROM training_runs WHERE parent_id = ${parentId}) c
      WHERE p.id = ${parentId} AND c.total > 0 AND p.status IN ('queued', 'running')`;
  }

  async saveCandidate(runId: string, registration: Record<string, unknown>, artifact: Buffer): Promise<void> {
    await this.prisma.trainingCandidate.upsert({
      where: { runId },
      create: { runId, registration: json(registration), artifact: new Uint8Array(artifact) },
      update: { registration: json(registration), artifact: new Uint8Array(artifact) },
    });
  }

  async candidate(runId: string): Promise<{ registration: Record<string, unknown>; artifact: Buffer } | null> {
    const row = await this.prisma.trainingCandidate.findUnique({ where: { runId } });
    return row
      ? { registration: row.registration as Record<string, unknown>, artifact: Buffer.from(row.artifact) }
      : null;
  }

  async dropCandidates(runIds: string[]): Promise<void> {
    if (runIds.length) await this.prisma.trainingCandidate.deleteMany({ where: { runId: { in: runIds } } });
  }

  /** The latest successful train or tune run of a model (what an alert retrains from). */
  async lastSucceeded(modelName: string): Promise<TrainingRun | null> {
    return this.prisma.trainingRun.findFirst({
      where: { modelName, status: 'succeeded', kind: { in: ['train', 'tune'] } },
      orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
    });
  }

  async list(query: ListRunsQuery): Promise<{ items: TrainingRun[]; nextCursor: string | null }> {
    const where: Prisma.TrainingRunWhereInput = {
      ...(query.status ? { status: { in: query.status } } : {}),
      ...(query.kind ? { kind: { in: query.kind } } : {}),
      ...(query.modelName ? { modelName: query.modelName } : {}),
      ...(query.parentId ? { parentId: query.parentId } : {}),
      ...(query.trigger ? { trigger: query.trigger } : {}),
    };
    const createdAt: Prisma.DateTimeFilter = {};
    if (query.createdAfter) createdAt.gt = new Date(query.createdAfter);
    if (query.createdBefore) createdAt.lt = new Date(query.createdBefore);
    const and: Prisma.TrainingRunWhereInput[] = [where];
    if (Object.keys(createdAt).length) and.push({ createdAt });
    if (query.cursor) {
      const { at, id } = decodeCursor(query.cursor);
      and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] });
    }
    const rows = await this.prisma.trainingRun.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  async detail(id: string, logLimit = 200): Promise<TrainingRunDetail> {
    const run = await this.get(id);
    const [children, logs] = await Promise.all([
      // The summary columns only: a child's spec and result can be large (a part's series list), and
      // dashboards poll this.
      this.prisma.trainingRun.findMany({
        where: { parentId: id },
        orderBy: { id: 'asc' },
        select: {
          id: true,
          kind: true,
          status: true,
          stage: true,
          percent: true,
          modelName: true,
          modelVersion: true,
          error: true,
        },
      }),
      this.prisma.trainingRunLog.findMany({ where: { runId: id }, orderBy: { id: 'desc' }, take: logLimit }),
    ]);
    return {
      ...toView(run),
      children: children.map((c) => ({
        ...c,
        kind: c.kind as RunKind,
        status: c.status as RunStatus,
      })),
      logs: logs.reverse().map((l): RunLogLine => ({
        at: l.at.toISOString(),
        level: l.level as RunLogLine['level'],
        message: l.message,
        fields: (l.fields as Record<string, unknown> | null) ?? null,
      })),
    };
  }
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new ApiError(400, 'invalid_request', 'query cursor: not a cursor this API returned', [
      { path: 'cursor', message: 'not a cursor this API returned' },
    ]);
  }
}

/** The API's view of a run row. */
export function toView(run: TrainingRun): TrainingRunView {
  return {
    id: run.id,
    kind: run.kind as RunKind,
    status: run.status as RunStatus,
    stage: run.stage,
    percent: run.percent,
    modelName: run.modelName,
    modelVersion: run.modelVersion,
    spec: run.spec as Record<string, unknown>,
    stageMs: run.stageMs as Record<string, number>,
    metrics: (run.metrics as Record<string, unknown> | null) ?? null,
    result: (run.result as Record<string, unknown> | null) ?? null,
    error: run.error,
    errorKind: (run.errorKind as ErrorKind | null) ?? null,
    attempts: run.attempts,
    maxAttempts: run.maxAttempts,
    cancelRequested: run.cancelRequested,
    trigger: run.trigger as Trigger,
    scheduleId: run.scheduleId,
    parentId: run.parentId,
    worker: run.worker,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    updatedAt: run.updatedAt.toISOString(),
  };
}
