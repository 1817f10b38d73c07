import { randomBytes } from 'node:crypto';

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { RequestKind, ScheduleRequest, TrainingSchedule as ScheduleView } from '@shelfcast/contracts';
import { PRISMA, type Prisma, type PrismaClient, type TrainingSchedule } from '@shelfcast/db';
import { ApiError, LOGGER, type Logger } from '@shelfcast/observability';
import { parseJob } from '@shelfcast/queue';

import type { TrainerConfig } from '../config';
import { RETENTION, retryOptions, TrainingQueue } from '../queue/training-queue';
import { TRAINER_CONFIG } from '../tokens';

/** Scheduler ids this service owns in BullMQ (others on the same queue are left alone). */
const ID_PREFIX = 'sch_';
/** The run id in a scheduled job's payload; the worker records each run under its job id instead. */
export const SCHEDULED_RUN_ID = 'scheduled';

/**
 * Repeatable retraining: each schedule is a row here (the record) and a BullMQ job scheduler with the
 * same id (what adds the jobs, on the cron in the time zone). Every run it adds is recorded under its
 * own job id (`repeat:<schedule>:<time>`). The schedulers are reconciled with the table at start, so a
 * Redis that lost them gets them back.
 */
@Injectable()
export class SchedulesService implements OnApplicationBootstrap {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly queue: TrainingQueue,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile().catch((e: unknown) =>
      this.logger.warn({ err: e }, 'cannot reconcile training schedules with the queue now'),
    );
  }

  /** Puts every enabled schedule into BullMQ and removes schedulers of deleted or disabled ones. */
  async reconcile(): Promise<void> {
    const rows = await this.prisma.trainingSchedule.findMany();
    const wanted = new Set(rows.filter((r) => r.enabled).map((r) => r.id));
    for (const row of rows) if (row.enabled) await this.upsertScheduler(row);
    for (const s of await this.queue.queue.getJobSchedulers(0, -1)) {
      const id = s.key;
      if (id.startsWith(ID_PREFIX) && !wanted.has(id)) await this.queue.queue.removeJobScheduler(id);
    }
  }

  async create(request: ScheduleRequest): Promise<ScheduleView> {
    const id = `${ID_PREFIX}${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const row = await this.prisma.trainingSchedule.create({ data: { id, ...this.fields(request) } });
    try {
      if (row.enabled) await this.upsertScheduler(row);
    } catch (e) {
      await this.prisma.trainingSchedule.delete({ where: { id } });
      throw e;
    }
    return this.view(row);
  }

  async replace(id: string, request: ScheduleRequest): Promise<ScheduleView> {
    const previous = await this.find(id);
    const row = await this.prisma.trainingSchedule.update({ where: { id }, data: this.fields(request) });
    try {
      if (row.enabled) await this.upsertScheduler(row);
      else await this.queue.queue.removeJobScheduler(id);
    } catch (e) {
      const { id: _id, createdAt: _c, updatedAt: _u, ...before } = previous;
      await this.prisma.trainingSchedule.update({
        where: { id },
        data: { ...before, spec: before.spec as Prisma.InputJsonValue },
      });
      throw e;
    }
    return this.view(row);
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.queue.queue.removeJobScheduler(id);
    await this.prisma.trainingSchedule.delete({ where: { id } });
  }

  async get(id: string): Promise<ScheduleView> {
    return this.view(await this.find(id));
  }

  async list(modelName?: string): Promise<ScheduleView[]> {
    const rows = await this.prisma.trainingSchedule.findMany({
      where: modelName ? { modelName } : {},
      orderBy: [{ modelName: 'asc' }, { id: 'asc' }],
    });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  private async find(id: string): Promise<TrainingSchedule> {
    const row = await this.prisma.trainingSchedule.findUnique({ where: { id } });
    if (!row) throw new ApiError(404, 'not_found', `no training schedule ${id}`);
    return row;
  }

  private fields(request: ScheduleRequest) {
    return {
      modelName: request.spec.modelName,
      kind: request.kind,
      cron: request.cron,
      timezone: request.timezone,
      spec: request.spec as Prisma.InputJsonValue,
      enabled: request.enabled,
      description: request.description ?? null,
      createdBy: request.createdBy,
    };
  }

  /** The BullMQ scheduler of a schedule; a cron BullMQ cannot read is the client's mistake (400). */
  private async upsertScheduler(row: TrainingSchedule): Promise<void> {
    const kind = row.kind as RequestKind;
    const data = parseJob(kind, {
      ...(row.spec as Record<string, unknown>),
      runId: SCHEDULED_RUN_ID,
      origin: { trigger: 'schedule', scheduleId: row.id },
    });
    try {
      await this.queue.queue.upsertJobScheduler(
        row.id,
        { pattern: row.cron, tz: row.timezone },
        { name: kind, data, opts: { ...retryOptions(this.config), ...RETENTION } },
      );
    } catch (e) {
      const message = (e as Error).message;
      if (/cron|pattern|invalid|validation|constraint|range/i.test(message))
        throw new ApiError(400, 'invalid_request', `invalid body: cron: ${message}`, [{ path: 'cron', message }]);
      throw e;
    }
  }

  private async view(row: TrainingSchedule): Promise<ScheduleView> {
    const scheduler = row.enabled ? await this.queue.queue.getJobScheduler(row.id) : undefined;
    return {
      id: row.id,
      modelName: row.modelName,
      kind: row.kind as RequestKind,
      cron: row.cron,
      timezone: row.timezone,
      spec: row.spec as Record<string, unknown>,
      enabled: row.enabled,
      description: row.description,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      nextRunAt: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
    };
  }
}
