import { z } from 'zod';

import { calendarDate, instant } from '../common';
import { ErrorResponse } from './errors';

// The model registry's HTTP API (apps/registry). Every body and query is validated with these
// schemas, and the OpenAPI document at /docs is generated from them.

/** A registered model's name: lower-case, safe in URLs, Kafka keys and file names. */
export const ModelName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - (starting with a letter or digit)');
export type ModelName = z.infer<typeof ModelName>;

/** An alias (production, staging, any name): the same alphabet as model names. */
export const AliasName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - (starting with a letter or digit)');
export type AliasName = z.infer<typeof AliasName>;

/** The alias guarded by the promotion gate. */
export const PRODUCTION_ALIAS = 'production';

/** PostgreSQL integer range: versions are numbered from 1. */
const MAX_VERSION = 2_147_483_647;
export const VersionNumber = z.number().int().positive().max(MAX_VERSION);
const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, '64 lower-case hex digits');
const actor = z.string().trim().min(1).max(128);
const reason = z.string().trim().min(1).max(2000);

/** Tensor element types an ONNX signature may name. */
export const TensorType = z.enum([
  'float32',
  'float64',
  'float16',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'bool',
  'string',
]);
export const TensorSpec = z.strictObject({
  name: z.string().min(1).max(256),
  type: TensorType,
  /** Dimensions; null for a dynamic one (e.g. the batch). */
  shape: z.array(z.number().int().min(0).nullable()).max(16),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

/** How to call the model and read its outputs. */
export const ModelSignature = z.strictObject({
  inputs: z.array(TensorSpec).min(1),
  outputs: z.array(TensorSpec).min(1),
  /** Fingerprint of the feature set, e.g. `retail@1+2c61bd19abfd`. */
  featureSet: z.string().min(1).max(128),
  /** Feature names in input column order. */
  features: z.array(z.string().min(1)).min(1),
  frequency: z.enum(['daily', 'weekly', 'monthly']),
  horizon: z.number().int().min(1).max(366),
  /** Output quantile levels. */
  quantiles: z.array(z.number().gt(0).lt(1)),
  /** How the ONNX output becomes units (free-form, e.g. `{ transform: 'scaled', ... }`). */
  target: z.record(z.string(), z.unknown()),
  /** Post-processing the server applies (e.g. conformal residual quantiles per level x horizon). */
  postprocess: z.record(z.string(), z.unknown()).default({}),
});
export type ModelSignature = z.infer<typeof ModelSignature>;

export const HyperParameters = z.record(z.string(), z.union([z.number().finite(), z.string(), z.boolean()]));
export type HyperParameters = z.infer<typeof HyperParameters>;

/** Metric name → value (lower is better for errors: wape, mae, rmse, smape, mase, rmsse, pinball, |bias|). Finite only: leave out a metric that is undefined. */
export const MetricValues = z.record(z.string().min(1).max(64), z.number().finite());
export type MetricValues = z.infer<typeof MetricValues>;

/** The window set a backtest ran on; `key` identifies it (a hash of cutoffs, horizon and the series set). */
export const BacktestWindows = z.strictObject({
  key: z.string().min(1).max(128),
  cutoffs: z.array(calendarDate).min(1),
  horizon: z.number().int().min(1).max(366),
  series: z.number().int().min(0),
});
export type BacktestWindows = z.infer<typeof BacktestWindows>;

/** A backtest: the model's and seasonal naive's figures on the same windows. */
export const BacktestMetrics = z.strictObject({
  windows: BacktestWindows,
  model: MetricValues,
  seasonalNaive: MetricValues,
  /** Figures per window (free-form rows, e.g. `{ cutoff, model, seasonalNaive }`). */
  perWindow: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type BacktestMetrics = z.infer<typeof BacktestMetrics>;

/** The data a version was trained on: its window and point-in-time snapshot. */
export const DatasetSnapshot = z.strictObject({
  from: calendarDate.nullable(),
  to: calendarDate,
  cutoff: calendarDate,
  /** Events that arrived by this instant (or `latest`: everything known at training time). */
  knownAt: z.union([instant, z.literal('latest')]),
  rows: z.number().int().min(0),
  series: z.number().int().min(0),
  contentHash: z.string().min(1).max(128),
});
export type DatasetSnapshot = z.infer<typeof DatasetSnapshot>;

export const ArtifactUpload = z.strictObject({
  format: z.literal('onnx'),
  /** The artifact's bytes, base64 (standard alphabet, padding optional). */
  base64: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 (standard alphabet)'),
  /** sha256 of the bytes; the registry recomputes it and refuses a mismatch. */
  sha256: sha256Hex,
});

export const Tags = z.record(z.string().min(1).max(64), z.string().max(256));

/** POST /v1/models/{name}/versions: register a new immutable version (idempotent by runId). */
export const RegisterVersionRequest = z.strictObject({
  runId: z.string().min(1).max(128),
  artifact: ArtifactUpload,
  family: z.string().min(1).max(64),
  signature: ModelSignature,
  hyperParameters: HyperParameters.default({}),
  metrics: BacktestMetrics,
  dataset: DatasetSnapshot,
  codeVersion: z.string().min(1).max(128),
  createdBy: actor,
  tags: Tags.optional(),
  description: z.string().max(4000).optional(),
});
export type RegisterVersionRequest = z.infer<typeof RegisterVersionRequest>;
export type RegisterVersionInput = z.input<typeof RegisterVersionRequest>;

export const VersionStatus = z.enum(['active', 'archived']);

/** A version as the registry answers it (without the artifact's bytes). */
export const ModelVersion = z.object({
  name: ModelName,
  version: VersionNumber,
  runId: z.string(),
  family: z.string(),
  artifact: z.object({ sha256: sha256Hex, size: z.number().int().min(0), format: z.literal('onnx') }),
  signature: ModelSignature,
  hyperParameters: HyperParameters,
  metrics: BacktestMetrics,
  dataset: DatasetSnapshot,
  codeVersion: z.string(),
  createdBy: z.string(),
  tags: Tags,
  description: z.string().nullable(),
  status: VersionStatus,
  /** Aliases pointing at this version now. */
  aliases: z.array(AliasName),
  createdAt: instant,
  archivedAt: instant.nullable(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/** GET /v1/models/{name} */
export const ModelSummary = z.object({
  name: ModelName,
  createdAt: instant,
  latestVersion: z.number().int().min(0),
  aliases: z.record(z.string(), VersionNumber),
  versions: z.number().int().min(0),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

// Query values arrive as text; the input type says number so typed clients send numbers.
const queryInt = (min: number, max: number) => z.coerce.number<number | string>().int().min(min).max(max);

/** GET /v1/models: search versions, newest first, keyset-paginated. */
export const SearchVersionsQuery = z.strictObject({
  name: ModelName.optional(),
  /** `key:value`; repeat for several (all must match). */
  tag: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(/^[^:]+:.*$/, 'key:value')))
    .optional(),
  alias: AliasName.optional(),
  /** Metric the threshold applies to (default wape). */
  metric: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a metric name such as wape')
    .optional(),
  /** Only versions whose registered backtest has `metric` at or below this value. */
  maxMetric: z.coerce.number<number | string>().finite().optional(),
  createdAfter: instant.optional(),
  createdBefore: instant.optional(),
  status: VersionStatus.optional(),
  family: z.string().min(1).max(64).optional(),
  limit: queryInt(1, 200).default(50),
  cursor: z.string().max(200).optional(),
});
export type SearchVersionsQuery = z.infer<typeof SearchVersionsQuery>;
export type SearchVersionsInput = z.input<typeof SearchVersionsQuery>;

export const VersionPage = z.object({ items: z.array(ModelVersion), nextCursor: z.string().nullable() });
export type VersionPage = z.infer<typeof VersionPage>;

/** PUT /v1/models/{name}/aliases/{alias} */
export const MoveAliasRequest = z.strictObject({
  version: VersionNumber,
  actor,
  reason,
  /** Skip the promotion gate (production only); the reason is recorded in the audit log. */
  force: z.boolean().default(false),
  /** Move only if the alias points at this version now (null: only if it is unset); else 409. */
  expectedVersion: VersionNumber.nullable().optional(),
});
export type MoveAliasRequest = z.infer<typeof MoveAliasRequest>;
export type MoveAliasInput = z.input<typeof MoveAliasRequest>;

/** POST /v1/models/{name}/aliases/{alias}/rollback and POST .../versions/{version}/archive */
export const ActorReasonRequest = z.strictObject({ actor, reason });
export type ActorReasonRequest = z.infer<typeof ActorReasonRequest>;
export const RollbackRequest = ActorReasonRequest;
export type RollbackRequest = ActorReasonRequest;
export const ArchiveRequest = ActorReasonRequest;
export type ArchiveRequest = ActorReasonRequest;

/** What the promotion gate compared, and its verdict. Lower is better for the metric. */
export const GateReport = z.object({
  metric: z.string(),
  margin: z.number(),
  /** The candidate's window set the comparison ran on. */
  windowsKey: z.string(),
  candidate: z.object({ version: VersionNumber, value: z.number().nullable() }),
  seasonalNaive: z.object({ value: z.number().nullable(), passed: z.boolean() }),
  /** The current production version on the same windows; null when there is none yet. */
  production: z
    .object({
      version: VersionNumber,
      /** null when production has no backtest on the candidate's windows. */
      value: z.number().nullable(),
      /** `registered` (its own backtest) or `evaluation` (appended later). */
      source: z.enum(['registered', 'evaluation']).nullable(),
      passed: z.boolean(),
    })
    .nullable(),
  passed: z.boolean(),
  /** `passed`, `gate_refused` or `not_comparable`. */
  outcome: z.enum(['passed', 'gate_refused', 'not_comparable']),
  message: z.string(),
});
export type GateReport = z.infer<typeof GateReport>;

/** The answer of an alias move or rollback. */
export const AliasMoveResult = z.object({
  name: ModelName,
  alias: AliasName,
  version: VersionNumber,
  previousVersion: VersionNumber.nullable(),
  /** False when the alias already pointed at the version (nothing changed, nothing audited). */
  moved: z.boolean(),
  forced: z.boolean(),
  /** The gate's decision (production only); null for other aliases and rollbacks. */
  gate: GateReport.nullable(),
});
export type AliasMoveResult = z.infer<typeof AliasMoveResult>;

/** 409 from the promotion gate: the usual error body plus the gate's figures. */
export const GateRefusedResponse = z.object({
  error: ErrorResponse.shape.error.extend({ code: z.enum(['gate_refused', 'not_comparable']), gate: GateReport }),
});
export type GateRefusedResponse = z.infer<typeof GateRefusedResponse>;

export const AuditAction = z.enum(['alias.moved', 'alias.rolled-back', 'version.archived']);
export const AuditEntry = z.object({
  id: z.string(),
  name: ModelName,
  action: AuditAction,
  alias: AliasName.nullable(),
  fromVersion: VersionNumber.nullable(),
  toVersion: VersionNumber.nullable(),
  actor: z.string(),
  reason: z.string(),
  forced: z.boolean(),
  gate: GateReport.nullable(),
  at: instant,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** GET /v1/models/{name}/audit: newest first. */
export const AuditQuery = z.strictObject({
  limit: queryInt(1, 200).default(50),
  cursor: z.string().max(200).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
export const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;

/** POST /v1/models/{name}/versions/{version}/evaluations: a backtest of an existing version on other windows. */
export const EvaluationRequest = BacktestMetrics.extend({
  /** The training run that scored it: a retry of the run appends nothing more (idempotent by run id). */
  runId: z.string().min(1).max(128).optional(),
});
export type EvaluationRequest = z.infer<typeof EvaluationRequest>;
export const Evaluation = z.object({
  id: z.string(),
  name: ModelName,
  version: VersionNumber,
  runId: z.string().optional(),
  windows: BacktestWindows,
  model: MetricValues,
  seasonalNaive: MetricValues,
  perWindow: z.array(z.record(z.string(), z.unknown())).optional(),
  createdAt: instant,
});
export type Evaluation = z.infer<typeof Evaluation>;
export const EvaluationList = z.object({ items: z.array(Evaluation) });
export type EvaluationList = z.infer<typeof EvaluationList>;

/** Path parameters. */
export const ModelPath = z.strictObject({ name: ModelName });
export const VersionPath = z.strictObject({
  name: ModelName,
  version: z.coerce.number().int().positive().max(MAX_VERSION),
});
export const AliasPath = z.strictObject({ name: ModelName, alias: AliasName });

/** Headers of GET .../artifact. */
export const ARTIFACT_SHA256_HEADER = 'x-artifact-sha256';
