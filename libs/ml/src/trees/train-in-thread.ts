/**
 * `trainGbdt` on a worker thread, so that a long fit leaves the calling thread's event loop free
 * (a service keeps renewing locks, answering health checks and reading cancellations meanwhile).
 * The data is copied to the thread; rounds are reported as they finish; the model comes back as
 * its JSON form, which restores it exactly. An abort terminates the thread at once (a fit in
 * progress has no state worth keeping) and rejects with the signal's reason.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { modelFromJSON, type SerializedGbdt } from './serialize';
import type { GbdtModel } from './model';
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

/** The code a worker thread starts with: the thread's module, compiled on the fly when run from source. */
function bootstrap(): { code: string; entry: string } {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `train-thread${ext}`);
  const register = ext === '.ts' ? require.resolve('@swc-node/register') : null;
  const code = `${register ? `require(${JSON.stringify(register)});` : ''}require(require('node:worker_threads').workerData.entry);`;
  return { code, entry };
}

export function trainGbdtInThread(
  data: DatasetInput,
  params: TrainParams,
  options: ThreadFitOptions = {},
): Promise<GbdtModel> {
  const { signal, onIteration } = options;
  // A function cannot cross to the thread: rounds are reported through options.onIteration.
  const { onIteration: _inline, ...threadParams } = params;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { code, entry } = bootstrap();
  const input: ThreadFitInput & { entry: string } = { data, params: threadParams, entry };
  return new Promise<GbdtModel>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: input });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      settle(() => reject(signal?.reason));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage) => {
      if (settled) return;
      if (m.type === 'iteration') onIteration?.(m.info);
      else {
        // Done either way; threads the fit started (numThreads > 1) go with it.
        void worker.terminate();
        if (m.type === 'done') settle(() => resolve(modelFromJSON(m.model)));
        else settle(() => reject(new Error(m.message)));
      }
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`GBDT training thread exited (code ${code}) before returning a model`))),
    );
  });
}
