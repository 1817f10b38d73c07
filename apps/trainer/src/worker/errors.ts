import { InvalidJobError } from '@shelfcast/queue';
import { RegistryError } from '@shelfcast/registry-client';

import { InvalidSpecError, ParityCheckFailed } from '../pipeline';
import type { ErrorKind } from '../runs/runs.repository';

/** Why a run's AbortSignal fired. */
export type AbortReason = 'cancelled' | 'timeout' | 'shutdown';

/** A fault that no retry can fix (the same spec on the same data fails the same way). */
export class PermanentRunError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'invalid_spec',
  ) {
    super(message);
    this.name = 'PermanentRunError';
  }
}

/** Statuses of the registry that a retry cannot change. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422]);

export interface Classified {
  kind: ErrorKind;
  /** Retrying may help (a database restart, the registry or the network down for a while). */
  retry: boolean;
  message: string;
}

/**
 * Sorts a run's failure: a bad spec (or a deterministic failure such as a failed parity check, or a
 * registry refusal) is permanent; everything else (connection refused or reset, a 5xx, a database
 * restart, a timeout of a call) is transient and retried with backoff.
 */
export function classify(error: unknown): Classified {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PermanentRunError) return { kind: error.kind, retry: false, message };
  if (error instanceof InvalidSpecError || error instanceof InvalidJobError)
    return { kind: 'invalid_spec', retry: false, message };
  if (error instanceof ParityCheckFailed) return { kind: 'internal', retry: false, message };
  if (error instanceof RegistryError && PERMANENT_STATUSES.has(error.status))
    return { kind: 'invalid_spec', retry: false, message: `the registry refused the run's model: ${message}` };
  return { kind: 'transient', retry: true, message };
}
