import { createHash } from 'node:crypto';

import {
  PRODUCTION_ALIAS,
  type ActorReasonRequest,
  type AliasMoveResult,
  type AuditPage,
  type AuditQuery,
  type Evaluation,
  type EvaluationRequest,
  type GateReport,
  type ModelSummary,
  type ModelVersion,
  type MoveAliasRequest,
  type RegisterVersionRequest,
  type SearchVersionsQuery,
  type VersionPage,
} from '@shelfcast/contracts';
import { Prisma, type PrismaClient } from '@shelfcast/db';
import { ApiError, type Logger } from '@shelfcast/observability';

import type { ArtifactStore } from '../artifacts/artifact-store';
import { evaluateGate, type GateSettings, type WindowFigures } from '../gate/gate';
import { enqueueModelEvent, modelEvent } from '../outbox/outbox';
import type { RegistryMetrics } from '../registry.metrics';
import {
  decodeCursor,
  encodeCursor,
  toAuditEntry,
  toEvaluation,
  toModelVersion,
  WITH_ALIASES,
  type VersionRow,
} from './mapping';

type Tx = Prisma.TransactionClient;

interface AliasMove {
  name: string;
  alias: string;
  target: VersionRow;
  previousVersion: number | null;
  actor: string;
  reason: string;
  forced: boolean;
  gate: GateReport | null;
  rollback: boolean;
}

/** A promotion the gate refused: 409 with the gate's figures in the body. */
export class GateRefusedError extends ApiError {
  constructor(readonly gate: GateReport) {
    super(409, gate.outcome, gate.message);
    this.name = 'GateRefusedError';
  }
}

export interface RegistrySettings {
  gate: GateSettings;
  maxArtifactBytes: number;
}

const TX_OPTIONS = {
  isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
  // Waiting for a pool connection, then for the model's row lock held by a concurrent change.
  maxWait: 15_000,
  timeout: 60_000,
} as const;

function notFound(what: string, code = 'not_found'): ApiError {
  return new ApiError(404, code, what);
}

function versionLabel(name: string, version: number): string {
  return `version ${version} of model '${name}'`;
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === 'P2002';
}

/**
 * The registry's rules: immutable auto-numbered versions (idempotent by run id), aliases moved atomically
 * behind the promotion gate, rollback, archive, evaluations and search. Every change locks its model's
 * row first and writes its audit entry and outbox event in the same transaction.
 */
export class ModelRegistry {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly artifacts: ArtifactStore,
    private readonly settings: RegistrySettings,
    private readonly metrics: RegistryMetrics,
    private readonly logger: Logger,
    /** Called after a commit that wrote outbox events (wakes the relay). */
    private readonly onOutbox: () => void = () => undefined,
  ) {}

  // ---- versions ----

  /** Registers a version; the same run id for the same model returns the existing version (`created` false). */
  async register(name: string, request: RegisterVersionRequest): Promise<{ created: boolean; version: ModelVersion }> {
    const bytes = Buffer.from(request.artifact.base64, 'base64');
    if (bytes.length === 0) {
      throw new ApiError(400, 'invalid_request', 'invalid body: artifact.base64: the artifact is empty', [
        { path: 'artifact.base64', message: 'the artifact is empty' },
      ]);
    }
    if (bytes.length > this.settings.maxArtifactBytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `the artifact has ${bytes.length} bytes; the most this registry takes is ${this.settings.maxArtifactBytes}`,
        [{ path: 'artifact.base64', message: `larger than ${this.settings.maxArtifactBytes} bytes` }],
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== request.artifact.sha256) {
      throw new ApiError(
        400,
        'sha256_mismatch',
        `the artifact's bytes hash to ${sha256}, not to the sha256 sent (${request.artifact.sha256}); it was corrupted or mis-encoded`,
        [{ path: 'artifact.sha256', message: `the bytes hash to ${sha256}` }],
      );
    }
    if (request.dataset.from !== null && request.dataset.from > request.dataset.to) {
      throw new ApiError(400, 'invalid_request', 'invalid body: dataset.from: after dataset.to', [
        { path: 'dataset.from', message: `${request.dataset.from} is after dataset.to ${request.dataset.to}` },
      ]);
    }

    const existing = await this.findByRun(this.prisma, name, request.runId);
    if (existing) return { created: false, version: existing };
    const artifactUri = await this.artifacts.put({ bytes, sha256 });

    try {
      const result = await this.prisma.$transaction(async (tx) => {
        await tx.registeredModel.createMany({ data: [{ name }], skipDuplicates: true });
        await this.lockModel(tx, name);
        // A concurrent registration of the same run committed while this one waited for the lock.
        const again = await this.findByRun(tx, name, request.runId);
        if (again) return { created: false, version: again };
        const { latestVersion } = await tx.registeredModel.update({
          where: { name },
          data: { latestVersion: { increment: 1 } },
          select: { latestVersion: true },
        });
        const created = await tx.modelVersion.create({
          data: {
            modelName: name,
            version: latestVersion,
            runId: request.runId,
            family: request.family,
            featureSet: request.signature.featureSet,
            artifactFormat: request.artifact.format,
            artifactSha256: sha256,
            artifactSize: bytes.length,
            artifactUri,
            signature: request.signature as unknown as Prisma.InputJsonValue,
            hyperParameters: request.hyperParameters,
            metrics: request.metrics as unknown as Prisma.InputJsonValue,
            windowsKey: request.metrics.windows.key,
            dataset: request.dataset as unknown as Prisma.InputJsonValue,
            codeVersion: request.codeVersion,
            createdBy: request.createdBy,
            tags: request.tags ?? {},
            description: request.description ?? null,
          },
          include: WITH_ALIASES,
        });
        await enqueueModelEvent(
          tx,
          modelEvent('shelfcast.model.registered.v1', {
            modelName: name,
            version: latestVersion,
            artifactSha256: sha256,
            runId: request.runId,
          }),
        );
        return { created: true, version: toModelVersion(created) };
      }, TX_OPTIONS);
      if (result.created) {
        this.metrics.versionsRegistered.inc({ family: request.family });
        this.logger.info({ model: name, version: result.version.version, runId: request.runId }, 'version registered');
        this.onOutbox();
      }
      return result;
    } catch (e) {
      // The unique (model, run id) is the last line of defence against a second version of one run.
      if (isUniqueViolation(e)) {
        const winner = await this.findByRun(this.prisma, name, request.runId);
        if (winner) return { created: false, version: winner };
      }
      throw e;
    }
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    return toModelVersion(await this.versionRow(this.prisma, name, version));
  }

  /** The artifact's bytes, checked against the sha256 recorded at registration. */
  async getArtifact(name: string, version: number): Promise<{ bytes: Buffer; sha256: string; version: ModelVersion }> {
    const row = await this.versionRow(this.prisma, name, version);
    const bytes = await this.artifacts.get(row.artifactUri);
    if (!bytes) {
      this.logger.error({ model: name, version, uri: row.artifactUri }, 'artifact missing from its store');
      throw new ApiError(
        500,
        'artifact_missing',
        `the artifact of ${versionLabel(name, version)} is missing from its store`,
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== row.artifactSha256) {
      this.logger.error({ model: name, version, expected: row.artifactSha256, actual: sha256 }, 'artifact corrupted');
      throw new ApiError(
        500,
        'artifact_corrupted',
        `the stored artifact of ${versionLabel(name, version)} fails its sha256 check`,
      );
    }
    return { bytes, sha256, version: toModelVersion(row) };
  }

  async getModel(name: string): Promise<ModelSummary> {
    const model = await this.prisma.registeredModel.findUnique({
      where: { name },
      include: { aliases: { orderBy: { alias: 'asc' } }, _count: { select: { versions: true } } },
    });
    if (!model) throw notFound(`model '${name}' is not registered`, 'model_not_found');
    return {
      name: model.name,
      createdAt: model.createdAt.toISOString(),
      latestVersion: model.latestVersion,
      aliases: Object.fromEntries(model.aliases.map((a) => [a.alias, a.version])),
      versions: model._count.versions,
    };
  }

  /** Versions matching every filter, newest first, one page at a time (keyset on the version id). */
  async search(query: SearchVersionsQuery): Promise<VersionPage> {
    const where: Prisma.Sql[] = [];
    if (query.name) where.push(Prisma.sql`v.model_name = ${query.name}`);
    for (const tag of query.tag ?? []) {
      const at = tag.indexOf(':');
      where.push(Prisma.sql`v.tags @> jsonb_build_object(${tag.slice(0, at)}::text, ${tag.slice(at + 1)}::text)`);
    }
    if (query.alias) {
      where.push(
        Prisma.sql`EXISTS (SELECT 1 FROM model_aliases a WHERE a.version_id = v.id AND a.alias = ${query.alias})`,
      );
    }
    if (query.maxMetric !== undefined) {
      const metric = query.metric ?? this.settings.gate.metric;
      where.push(Prisma.sql`(v.metrics -> 'model' ->> ${metric})::float8 <= ${query.maxMetric}`);
    }
    if (query.createdAfter) where.push(Prisma.sql`v.created_at > ${new Date(query.createdAfter)}`);
    if (query.createdBefore) where.push(Prisma.sql`v.created_at < ${new Date(query.createdBefore)}`);
    if (query.status) where.push(Prisma.sql`v.status = ${query.status}`);
    if (query.family) where.push(Prisma.sql`v.family = ${query.family}`);
    const after = decodeCursor(query.cursor);
    if (after !== undefined) where.push(Prisma.sql`v.id < ${after}`);

    const condition = where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty;
    const ids = await this.prisma.$queryRaw<Array<{ id: bigint }>>`
      SELECT v.id FROM model_versions v ${condition} ORDER BY v.id DESC LIMIT ${query.limit + 1}`;
    const page = ids.slice(0, query.limit).map((r) => r.id);
    const rows = await this.prisma.modelVersion.findMany({
      where: { id: { in: page } },
      include: WITH_ALIASES,
      orderBy: { id: 'desc' },
    });
    return {
      items: rows.map(toModelVersion),
      nextCursor: ids.length > query.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  // ---- aliases ----

  async getAlias(name: string, alias: string): Promise<ModelVersion> {
    const row = await this.prisma.modelAlias.findUnique({
      where: { modelName_alias: { modelName: name, alias } },
      include: { target: { include: WITH_ALIASES } },
    });
    if (!row) {
      await this.modelExists(this.prisma, name);
      throw notFound(`alias '${alias}' of model '${name}' is not set`, 'alias_not_found');
    }
    return toModelVersion(row.target);
  }

  /** Moves an alias atomically; `production` passes the gate unless forced. */
  async moveAlias(name: string, alias: string, request: MoveAliasRequest): Promise<AliasMoveResult> {
    const result = await this.prisma.$transaction(async (tx) => {
      await this.lockModel(tx, name);
      const target = await this.versionRow(tx, name, request.version);
      if (target.status === 'archived') {
        throw new ApiError(
          409,
          'version_archived',
          `${versionLabel(name, request.version)} is archived; an alias cannot point at it`,
        );
      }
      const current = await tx.modelAlias.findUnique({ where: { modelName_alias: { modelName: name, alias } } });
      const previousVersion = current?.version ?? null;
      // Already there: nothing to do, whatever was expected (a repeat of a move whose answer was lost
      // finds the alias where it put it; that is not a conflict).
      if (previousVersion === request.version) {
        return { name, alias, version: request.version, previousVersion, moved: false, forced: false, gate: null };
      }
      if (request.expectedVersion !== undefined && request.expectedVersion !== previousVersion) {
        throw new ApiError(
          409,
          'alias_conflict',
          `alias '${alias}' of model '${name}' points at ${previousVersion === null ? 'no version' : `version ${previousVersion}`}, ` +
            `not at ${request.expectedVersion === null ? 'no version' : `version ${request.expectedVersion}`} as expected; read it again and retry`,
          [{ path: 'expectedVersion', message: `the alias is at ${previousVersion ?? 'null'}` }],
        );
      }

      let gate: GateReport | null = null;
      const guarded = alias === PRODUCTION_ALIAS;
      if (guarded) {
        const holder = current ? await this.versionRow(tx, name, current.version) : null;
        gate = evaluateGate(
          {
            candidate: { version: target.version, figures: await this.figures(tx, target) },
            production: holder ? { version: holder.version, figures: await this.figures(tx, holder) } : null,
          },
          this.settings.gate,
        );
        if (!gate.passed && !request.force) {
          this.metrics.gateRefusals.inc({ outcome: gate.outcome });
          throw new GateRefusedError(gate);
        }
      }
      // Forced only when the gate refused and the force let it through.
      const forced = guarded && request.force === true && gate?.passed !== true;
      await this.recordMove(tx, {
        name,
        alias,
        target,
        previousVersion,
        actor: request.actor,
        reason: request.reason,
        forced,
        gate,
        rollback: false,
      });
      return { name, alias, version: target.version, previousVersion, moved: true, forced, gate };
    }, TX_OPTIONS);
    if (result.moved) {
      this.metrics.aliasMoves.inc({ alias, kind: 'move', forced: String(result.forced) });
      this.logger.info(
        {
          model: name,
          alias,
          version: result.version,
          from: result.previousVersion,
          forced: result.forced,
          actor: request.actor,
        },
        'alias moved',
      );
      this.onOutbox();
    }
    return result;
  }

  /** Moves the alias back to the version it held before its last move (undoing rollbacks in turn). */
  async rollback(name: string, alias: string, request: ActorReasonRequest): Promise<AliasMoveResult> {
    const result = await this.prisma.$transaction(async (tx) => {
      await this.lockModel(tx, name);
      const current = await tx.modelAlias.findUnique({ where: { modelName_alias: { modelName: name, alias } } });
      if (!current) throw notFound(`alias '${alias}' of model '${name}' is not set`, 'alias_not_found');
      const history = await tx.modelAuditEntry.findMany({
        where: { modelName: name, alias, action: { in: ['alias.moved', 'alias.rolled-back'] } },
        orderBy: { id: 'desc' },
        select: { action: true, fromVersion: true },
      });
      // Each rollback undoes one earlier move: skip as many moves as rollbacks seen, newest first.
      let undone = 0;
      let targetVersion: number | null | undefined;
      for (const entry of history) {
        if (entry.action === 'alias.rolled-back') undone++;
        else if (undone > 0) undone--;
        else {
          targetVersion = entry.fromVersion;
          break;
        }
      }
      if (targetVersion === undefined || targetVersion === null) {
        throw new ApiError(
          409,
          'nothing_to_roll_back',
          `alias '${alias}' of model '${name}' held no version before its current one (${current.version}); nothing to roll back to`,
        );
      }
      const target = await this.versionRow(tx, name, targetVersion);
      if (target.status === 'archived') {
        throw new ApiError(
          409,
          'version_archived',
          `cannot roll back: the previous ${versionLabel(name, targetVersion)} is archived`,
        );
      }
      await this.recordMove(tx, {
        name,
        alias,
        target,
        previousVersion: current.version,
        actor: request.actor,
        reason: request.reason,
        forced: false,
        gate: null,
        rollback: true,
      });
      return {
        name,
        alias,
        version: target.version,
        previousVersion: current.version,
        moved: true,
        forced: false,
        gate: null,
      } satisfies AliasMoveResult;
    }, TX_OPTIONS);
    this.metrics.aliasMoves.inc({ alias, kind: 'rollback', forced: 'false' });
    this.logger.info(
      { model: name, alias, version: result.version, from: result.previousVersion, actor: request.actor },
      'alias rolled back',
    );
    this.onOutbox();
    return result;
  }

  async audit(name: string, query: AuditQuery): Promise<AuditPage> {
    await this.modelExists(this.prisma, name);
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.modelAuditEntry.findMany({
      where: { modelName: name, ...(after !== undefined ? { id: { lt: after } } : {}) },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toAuditEntry),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  // ---- archive and evaluations ----

  /** Archives a version no alias points at; archiving an archived version changes nothing. */
  async archive(name: string, version: number, request: ActorReasonRequest): Promise<ModelVersion> {
    let changed = false;
    const result = await this.prisma.$transaction(async (tx) => {
      await this.lockModel(tx, name);
      const row = await this.versionRow(tx, name, version);
      if (row.status === 'archived') return toModelVersion(row);
      if (row.aliases.length) {
        throw new ApiError(
          409,
          'version_has_aliases',
          `${versionLabel(name, version)} is behind alias(es) ${row.aliases.map((a) => a.alias).join(', ')}; move them before archiving`,
        );
      }
      const archived = await tx.modelVersion.update({
        where: { id: row.id },
        data: { status: 'archived', archivedAt: new Date() },
        include: WITH_ALIASES,
      });
      await tx.modelAuditEntry.create({
        data: {
          modelName: name,
          action: 'version.archived',
          fromVersion: version,
          actor: request.actor,
          reason: request.reason,
          gate: Prisma.DbNull,
        },
      });
      await enqueueModelEvent(
        tx,
        modelEvent('shelfcast.model.archived.v1', {
          modelName: name,
          version,
          actor: request.actor,
          reason: request.reason,
        }),
      );
      changed = true;
      return toModelVersion(archived);
    }, TX_OPTIONS);
    if (changed) {
      this.logger.info({ model: name, version, actor: request.actor }, 'version archived');
      this.onOutbox();
    }
    return result;
  }

  /**
   * Appends a backtest of an existing version on another window set (the version itself stays as it
   * was). Idempotent by run id: a run's retry gets the evaluation its first attempt added.
   */
  async addEvaluation(
    name: string,
    version: number,
    request: EvaluationRequest,
  ): Promise<{ created: boolean; evaluation: Evaluation }> {
    const row = await this.versionRow(this.prisma, name, version);
    const { runId } = request;
    const existing = async () =>
      runId ? this.prisma.modelEvaluation.findFirst({ where: { versionId: row.id, runId } }) : null;
    const before = await existing();
    if (before) return { created: false, evaluation: toEvaluation(before, name, version) };
    try {
      const created = await this.prisma.modelEvaluation.create({
        data: {
          versionId: row.id,
          windowsKey: request.windows.key,
          windows: request.windows as unknown as Prisma.InputJsonValue,
          model: request.model,
          seasonalNaive: request.seasonalNaive,
          perWindow: request.perWindow ? (request.perWindow as Prisma.InputJsonValue) : Prisma.DbNull,
          runId: runId ?? null,
        },
      });
      return { created: true, evaluation: toEvaluation(created, name, version) };
    } catch (e) {
      // Two attempts of one run at once: the other one's insert won.
      const winner = e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002' ? await existing() : null;
      if (winner) return { created: false, evaluation: toEvaluation(winner, name, version) };
      throw e;
    }
  }

  async listEvaluations(name: string, version: number): Promise<Evaluation[]> {
    const row = await this.versionRow(this.prisma, name, version);
    const rows = await this.prisma.modelEvaluation.findMany({ where: { versionId: row.id }, orderBy: { id: 'desc' } });
    return rows.map((r) => toEvaluation(r, name, version));
  }

  // ---- helpers ----

  /** Locks the model's row for the rest of the transaction; 404 when the model does not exist. */
  private async lockModel(tx: Tx, name: string): Promise<void> {
    const rows = await tx.$queryRaw<Array<{ name: string }>>`
      SELECT name FROM registered_models WHERE name = ${name} FOR UPDATE`;
    if (rows.length === 0) throw notFound(`model '${name}' is not registered`, 'model_not_found');
  }

  private async modelExists(db: Tx | PrismaClient, name: string): Promise<void> {
    const found = await db.registeredModel.findUnique({ where: { name }, select: { name: true } });
    if (!found) throw notFound(`model '${name}' is not registered`, 'model_not_found');
  }

  private async versionRow(db: Tx | PrismaClient, name: string, version: number): Promise<VersionRow> {
    const row = await db.modelVersion.findUnique({
      where: { modelName_version: { modelName: name, version } },
      include: WITH_ALIASES,
    });
    if (!row) {
      await this.modelExists(db, name);
      throw notFound(`${versionLabel(name, version)} does not exist`, 'version_not_found');
    }
    return row;
  }

  private async findByRun(db: Tx | PrismaClient, name: string, runId: string): Promise<ModelVersion | undefined> {
    const row = await db.modelVersion.findUnique({
      where: { modelName_runId: { modelName: name, runId } },
      include: WITH_ALIASES,
    });
    return row ? toModelVersion(row) : undefined;
  }

  /** Points the alias at `target`, and writes the audit entry and the outbox event of the move. */
  private async recordMove(tx: Tx, move: AliasMove): Promise<void> {
    const { name, alias, target, previousVersion, actor, reason, forced, gate, rollback } = move;
    const data = { versionId: target.id, version: target.version, updatedAt: new Date(), updatedBy: actor };
    await tx.modelAlias.upsert({
      where: { modelName_alias: { modelName: name, alias } },
      create: { modelName: name, alias, ...data },
      update: data,
    });
    await tx.modelAuditEntry.create({
      data: {
        modelName: name,
        action: rollback ? 'alias.rolled-back' : 'alias.moved',
        alias,
        fromVersion: previousVersion,
        toVersion: target.version,
        actor,
        reason,
        forced,
        gate: gate ? (gate as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
    await enqueueModelEvent(
      tx,
      modelEvent('shelfcast.model.alias-moved.v1', {
        modelName: name,
        version: target.version,
        alias,
        previousVersion,
        actor,
        reason,
        ...(forced ? { forced: true } : {}),
        ...(rollback ? { rollback: true } : {}),
      }),
    );
  }

  /** A version's figures for the gate: its registered backtest, then its evaluations newest first. */
  private async figures(tx: Tx, row: VersionRow): Promise<WindowFigures[]> {
    const registered = row.metrics as unknown as RegisterVersionRequest['metrics'];
    const evaluations = await tx.modelEvaluation.findMany({ where: { versionId: row.id }, orderBy: { id: 'desc' } });
    return [
      {
        windowsKey: row.windowsKey,
        model: registered.model,
        seasonalNaive: registered.seasonalNaive,
        source: 'registered',
      },
      ...evaluations.map((e) => ({
        windowsKey: e.windowsKey,
        model: e.model as Record<string, number>,
        seasonalNaive: e.seasonalNaive as Record<string, number>,
        source: 'evaluation' as const,
      })),
    ];
  }
}
