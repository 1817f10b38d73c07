import type {
  AuditEntry,
  BacktestMetrics,
  DatasetSnapshot,
  Evaluation,
  GateReport,
  HyperParameters,
  ModelSignature,
  ModelVersion,
} from '@shelfcast/contracts';
import type { Prisma } from '@shelfcast/db';
import { ApiError } from '@shelfcast/observability';

/** A version row with the aliases pointing at it. */
export type VersionRow = Prisma.ModelVersionGetPayload<{ include: { aliases: { select: { alias: true } } } }>;
export const WITH_ALIASES = { aliases: { select: { alias: true }, orderBy: { alias: 'asc' } } } as const;

export function toModelVersion(row: VersionRow): ModelVersion {
  return {
    name: row.modelName,
    version: row.version,
    runId: row.runId,
    family: row.family,
    artifact: { sha256: row.artifactSha256, size: row.artifactSize, format: 'onnx' },
    signature: row.signature as unknown as ModelSignature,
    hyperParameters: row.hyperParameters as HyperParameters,
    metrics: row.metrics as unknown as BacktestMetrics,
    dataset: row.dataset as unknown as DatasetSnapshot,
    codeVersion: row.codeVersion,
    createdBy: row.createdBy,
    tags: row.tags as Record<string, string>,
    description: row.description,
    status: row.status as ModelVersion['status'],
    aliases: row.aliases.map((a) => a.alias),
    createdAt: row.createdAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}

export function toAuditEntry(row: Prisma.ModelAuditEntryGetPayload<object>): AuditEntry {
  return {
    id: row.id.toString(),
    name: row.modelName,
    action: row.action as AuditEntry['action'],
    alias: row.alias,
    fromVersion: row.fromVersion,
    toVersion: row.toVersion,
    actor: row.actor,
    reason: row.reason,
    forced: row.forced,
    gate: (row.gate ?? null) as GateReport | null,
    at: row.at.toISOString(),
  };
}

export function toEvaluation(row: Prisma.ModelEvaluationGetPayload<object>, name: string, version: number): Evaluation {
  const evaluation: Evaluation = {
    id: row.id.toString(),
    name,
    version,
    windows: row.windows as unknown as Evaluation['windows'],
    model: row.model as Evaluation['model'],
    seasonalNaive: row.seasonalNaive as Evaluation['seasonalNaive'],
    createdAt: row.createdAt.toISOString(),
  };
  if (row.perWindow) evaluation.perWindow = row.perWindow as Evaluation['perWindow'];
  if (row.runId) evaluation.runId = row.runId;
  return evaluation;
}

/** Opaque keyset cursor: the id of the last row of the page. */
export function encodeCursor(id: bigint): string {
  return Buffer.from(`v1:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  const match = /^v1:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match || BigInt(match[1]) > 9_223_372_036_854_775_807n) {
    throw new ApiError(400, 'invalid_request', 'invalid query: cursor: not a cursor this API returned', [
      { path: 'cursor', message: 'not a cursor this API returned' },
    ]);
  }
  return BigInt(match[1]);
}
