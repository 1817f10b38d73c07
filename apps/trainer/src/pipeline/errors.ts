/** A run stopped because its AbortSignal fired (a user cancelled it, or the worker is shutting down). */
export class PipelineCancelled extends Error {
  constructor(stage: string) {
    super(`training run cancelled during ${stage}`);
    this.name = 'PipelineCancelled';
  }
}

/** A spec the pipeline cannot run (unknown feature set, unsupported family, a filter selecting no series...): never retried. */
export class InvalidSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpecError';
  }
}

/**
 * The exported ONNX model does not reproduce the in-memory model within the tolerance. Deterministic:
 * retrying the same spec on the same data fails the same way.
 */
export class ParityCheckFailed extends Error {
  constructor(
    readonly maxRelDiff: number,
    readonly tolerance: number,
    readonly worstRow: number,
  ) {
    super(`ONNX parity failed: max relative difference ${maxRelDiff} > ${tolerance} (held-out row ${worstRow})`);
    this.name = 'ParityCheckFailed';
  }
}
