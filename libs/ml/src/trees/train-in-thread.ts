/**
 * `trainGbdt` on a worker thread, so that a long fit leaves the calling thread's event loop free
 * (a service keeps renewing locks, answering health checks and reading cancellations meanwhile).
 * Threads are kept between fits (one per fit in flight; idle ones do not keep the process alive).
 * The data is copied to the thread; rounds are reported as they finish; the model comes back as
 * its JSON form, which restores it exactly. An abort terminates the fit's thread at once (a fit in
 * progress has no state worth keeping) and rejects with the signal's reason.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { GbdtModel } from './model';
import { modelFromJSON, type SerializedGbdt } from './serialize';
import type { ThreadFitInput } from './train-thread';
import type { DatasetInput, IterationInfo, TrainParams } from './types';

type ThreadMessage =
  | { type: 'iteration'; info: IterationInfo }
  | { type: 'done'; model: SerializedGbdt }
  | { type: 'error'; message: string };

export interface ThreadFitOptions {
  signal?: AbortSignal;
  /** Called after every round, on the calling thread. */
  onIteration?: (info: IterationInfo) => void;
}

/** Threads waiting for their next fit. */
const idle: Worker[] = [];

/** A new thread running train-thread, compiled on the fly when run from source. */
function spawnThread(): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `train-thread${ext}`);
  const register = ext === '.ts' ? require.resolve('@swc-node/register') : null;
  const code = `${register ? `require(${JSON.stringify(register)});` : ''}require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true });
}

export function trainGbdtInThread(
  data: DatasetInput,
  params: TrainParams,
  options: ThreadFitOptions = {},
): Promise<GbdtModel> {
  const { signal, onIteration } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // A function cannot cross to the thread: rounds are reported through options.onIteration.
  const { onIteration: _inline, ...threadParams } = params;
  const worker = idle.pop() ?? spawnThread();
  worker.ref();
  return new Promise<GbdtModel>((resolve, reject) => {
    let settled = false;
    const detach = (): void => {
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    /** Ends this fit; the thread goes back to the idle ones, or is terminated. */
    const settle = (keep: boolean, fn: () => void): void => {
      if (settled) return;
      settled = true;
      detach();
      if (keep) {
        worker.unref();
        idle.push(worker);
      } else void worker.terminate();
      fn();
    };
    const onAbort = (): void => settle(false, () => reject(signal?.reason));
    const onMessage = (m: ThreadMessage): void => {
      if (m.type === 'iteration') {
        if (!settled) onIteration?.(m.info);
      } else if (m.type === 'done') settle(true, () => resolve(modelFromJSON(m.model)));
      else settle(true, () => reject(new Error(m.message)));
    };
    const onError = (e: Error): void => settle(false, () => reject(e));
    const onExit = (code: number): void =>
      settle(false, () => reject(new Error(`GBDT training thread exited (code ${code}) before returning a model`)));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const input: ThreadFitInput = { data, params: threadParams };
    worker.postMessage(input);
  });
}
