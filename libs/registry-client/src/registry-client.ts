/**
 * A typed client of the model registry (apps/registry): every route, answers checked against the
 * contracts, errors as `RegistryError`, retries where a repeat cannot do harm.
 */
import { createHash } from 'node:crypto';

import {
  AliasMoveResult,
  ARTIFACT_SHA256_HEADER,
  AuditPage,
  Evaluation,
  EvaluationList,
  ModelSummary,
  ModelVersion,
  VersionPage,
  type ActorReasonRequest,
  type AuditQuery,
  type ErrorDetail,
  type EvaluationRequest,
  type GateReport,
  type MoveAliasInput,
  type RegisterVersionInput,
  type SearchVersionsInput,
} from '@shelfcast/contracts';
import type { z } from 'zod';

export interface RegistryClientOptions {
  /** Where the registry listens, e.g. `http://127.0.0.1:3004`. */
  baseUrl: string;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Per request. Default 60 000 (a registration carries its artifact). */
  timeoutMs?: number;
  /** Retries of a request that may be repeated. Default 4. */
  maxRetries?: number;
  /** First backoff; doubles per retry, with jitter, up to `maxBackoffMs`. Defaults 200 and 5 000. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Extra headers on every request (e.g. a trace header). */
  headers?: Record<string, string>;
}

/** An answer other than success, or a request that could not be completed. */
export class RegistryError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (network error, timeout). */
    readonly status: number,
    /** The error body's code (`version_not_found`, `gate_refused`, `alias_conflict`...), or `network_error`. */
    readonly code: string,
    /** The answer's body as sent, when there was one. */
    readonly body: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }

  get details(): ErrorDetail[] {
    return (this.body as { error?: { details?: ErrorDetail[] } })?.error?.details ?? [];
  }

  /** The gate's figures of a 409 `gate_refused` / `not_comparable`. */
  get gate(): GateReport | undefined {
    return (this.body as { error?: { gate?: GateReport } })?.error?.gate;
  }
}

/** The downloaded artifact does not hash to the sha256 the registry announced. */
export class ArtifactIntegrityError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`artifact integrity check failed: expected sha256 ${expected}, got ${actual}`);
    this.name = 'ArtifactIntegrityError';
  }
}

/** The `artifact` field of a registration, from the bytes. */
export function artifactUpload(bytes: Uint8Array): RegisterVersionInput['artifact'] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { format: 'onnx', base64: buffer.toString('base64'), sha256: sha256Hex(buffer) };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * When a failed request may be sent again:
 * - `always`: repeating it changes nothing (reads, idempotent writes): after a 5xx, a timeout or a network error;
 * - `unsent`: only when it surely never reached the server (connection refused);
 */
type RetryPolicy = 'always' | 'unsent';

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  retry: RetryPolicy;
}

const RETRYABLE_STATUS = new Set([502, 503, 504, 500]);
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function networkCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (e as { code?: string })?.code;
}

const segment = (value: string | number) => encodeURIComponent(String(value));

export class RegistryClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: RegistryClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 4;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  // ---- versions ----

  /**
   * Registers a version. Idempotent by `runId`: a repeat (also a retry after a lost answer) returns the
   * version registered first, with `created` false.
   */
  async registerVersion(
    name: string,
    request: RegisterVersionInput,
  ): Promise<{ created: boolean; version: ModelVersion }> {
    const { status, body } = await this.send({
      method: 'POST',
      path: `/v1/models/${segment(name)}/versions`,
      body: request,
      retry: 'always',
    });
    return { created: status === 201, version: this.check(ModelVersion, body) };
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    return this.json(ModelVersion, { method: 'GET', path: this.versionPath(name, version), retry: 'always' });
  }

  /** The artifact's bytes, checked against the sha256 the registry sends with them. */
  async getArtifact(name: string, version: number): Promise<{ bytes: Buffer; sha256: string }> {
    const response = await this.request({
      method: 'GET',
      path: `${this.versionPath(name, version)}/artifact`,
      retry: 'always',
    });
    const bytes = Buffer.from(response.bytes);
    const expected = response.headers.get(ARTIFACT_SHA256_HEADER) ?? '';
    const actual = sha256Hex(bytes);
    if (expected !== actual) throw new ArtifactIntegrityError(expected, actual);
    return { bytes, sha256: actual };
  }

  async getModel(name: string): Promise<ModelSummary> {
    return this.json(ModelSummary, { method: 'GET', path: `/v1/models/${segment(name)}`, retry: 'always' });
  }

  /** One page of versions matching every filter, newest first. */
  async search(query: SearchVersionsInput = {}): Promise<VersionPage> {
    return this.json(VersionPage, { method: 'GET', path: '/v1/models', query: { ...query }, retry: 'always' });
  }

  /** Every version matching the filters, page after page. */
  async *searchAll(query: Omit<SearchVersionsInput, 'cursor'> = {}): AsyncGenerator<ModelVersion> {
    let cursor: string | undefined;
    do {
      const page = await this.search({ ...query, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Archives a version (409 `version_has_aliases` while an alias points at it); a repeat changes nothing. */
  async archive(name: string, version: number, request: ActorReasonRequest): Promise<ModelVersion> {
    return this.json(ModelVersion, {
      method: 'POST',
      path: `${this.versionPath(name, version)}/archive`,
      body: request,
      retry: 'always',
    });
  }

  /**
   * Appends a backtest of a version on another window set. With a `runId` it is idempotent (a repeat
   * returns the evaluation that run added), so it is retried; without one it is not repeated after a
   * lost answer (it would append twice).
   */
  async addEvaluation(name: string, version: number, request: EvaluationRequest): Promise<Evaluation> {
    return this.json(Evaluation, {
      method: 'POST',
      path: `${this.versionPath(name, version)}/evaluations`,
      body: request,
      retry: request.runId ? 'always' : 'unsent',
    });
  }

  async listEvaluations(name: string, version: number): Promise<Evaluation[]> {
    const list = await this.json(EvaluationList, {
      method: 'GET',
      path: `${this.versionPath(name, version)}/evaluations`,
      retry: 'always',
    });
    return list.items;
  }

  // ---- aliases ----

  async getAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.json(ModelVersion, { method: 'GET', path: this.aliasPath(name, alias), retry: 'always' });
  }

  /** The version behind an alias, or null when the alias (or the model) does not exist. */
  async resolveAlias(name: string, alias: string): Promise<ModelVersion | null> {
    try {
      return await this.getAlias(name, alias);
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) return null;
      throw e;
    }
  }

  /**
   * Moves an alias (production passes the gate unless `force`). Repeating a move finds the alias at its
   * target (`moved: false`, also for a conditional move), so it is retried; a 409 (`alias_conflict`,
   * `gate_refused`, `not_comparable`) is not.
   */
  async moveAlias(name: string, alias: string, request: MoveAliasInput): Promise<AliasMoveResult> {
    return this.json(AliasMoveResult, {
      method: 'PUT',
      path: this.aliasPath(name, alias),
      body: request,
      retry: 'always',
    });
  }

  /** Moves the alias back to its previous version. Never repeated after a lost answer (a repeat would roll back further). */
  async rollback(name: string, alias: string, request: ActorReasonRequest): Promise<AliasMoveResult> {
    return this.json(AliasMoveResult, {
      method: 'POST',
      path: `${this.aliasPath(name, alias)}/rollback`,
      body: request,
      retry: 'unsent',
    });
  }

  async audit(name: string, query: Partial<AuditQuery> = {}): Promise<AuditPage> {
    return this.json(AuditPage, {
      method: 'GET',
      path: `/v1/models/${segment(name)}/audit`,
      query: { ...query },
      retry: 'always',
    });
  }

  // ---- transport ----

  private versionPath(name: string, version: number): string {
    return `/v1/models/${segment(name)}/versions/${segment(version)}`;
  }

  private aliasPath(name: string, alias: string): string {
    return `/v1/models/${segment(name)}/aliases/${segment(alias)}`;
  }

  private async json<S extends z.ZodType>(schema: S, call: Call): Promise<z.infer<S>> {
    return this.check(schema, (await this.send(call)).body);
  }

  private check<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new RegistryError(
        `the registry's answer does not match the contract: ${parsed.error.issues[0]?.message}`,
        200,
        'invalid_response',
        body,
      );
    }
    return parsed.data;
  }

  private async send(call: Call): Promise<{ status: number; body: unknown }> {
    const response = await this.request(call);
    const text = Buffer.from(response.bytes).toString('utf8');
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** One call with its retries; resolves with a 2xx answer, else throws `RegistryError`. */
  private async request(call: Call): Promise<{ status: number; headers: Headers; bytes: ArrayBuffer }> {
    const url = new URL(this.base + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    for (let attempt = 0; ; attempt++) {
      let failure: RegistryError;
      let retryable: boolean;
      try {
        const response = await this.fetchFn(url, {
          method: call.method,
          headers: {
            accept: 'application/json, application/octet-stream',
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
            ...this.options.headers,
          },
          body: payload,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const bytes = await response.arrayBuffer();
        if (response.ok) return { status: response.status, headers: response.headers, bytes };
        const text = Buffer.from(bytes).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (a proxy's page): kept as text
        }
        const error = (body as { error?: { code?: string; message?: string } })?.error;
        failure = new RegistryError(
          `${call.method} ${call.path} answered ${response.status}: ${error?.message ?? text.slice(0, 200)}`,
          response.status,
          error?.code ?? `http_${response.status}`,
          body,
        );
        retryable = call.retry === 'always' && RETRYABLE_STATUS.has(response.status);
      } catch (e) {
        const code = networkCode(e);
        const timedOut = (e as Error)?.name === 'TimeoutError';
        failure = new RegistryError(
          `${call.method} ${call.path} failed: ${timedOut ? `no answer within ${this.timeoutMs} ms` : ((e as Error)?.message ?? e)}${code ? ` (${code})` : ''}`,
          0,
          timedOut ? 'timeout' : 'network_error',
          undefined,
          { cause: e },
        );
        retryable = call.retry === 'always' || (code !== undefined && UNSENT_CODES.has(code));
      }
      if (!retryable || attempt >= this.maxRetries) throw failure;
      const backoff = Math.min(this.initialBackoffMs * 2 ** attempt, this.maxBackoffMs);
      await new Promise((r) => setTimeout(r, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }
}
