/**
 * The body of `trainGbdtInThread`'s worker threads: fits one after another as they are posted, a
 * message per round, the model as JSON. A thread lives on between fits (its start, which loads and
 * compiles the trees module, is paid once).
 */
import { parentPort } from 'node:worker_threads';

import { modelToJSON } from './serialize';
import { trainGbdt } from './train';
import type { DatasetInput, TrainParams } from './types';

export interface ThreadFitInput {
  data: DatasetInput;
  params: Omit<TrainParams, 'onIteration'>;
}

const port = parentPort;
port?.on('message', ({ data, params }: ThreadFitInput) => {
  try {
    const model = trainGbdt(data, {
      ...params,
      onIteration: (info) => port.postMessage({ type: 'iteration', info }),
    });
    port.postMessage({ type: 'done', model: modelToJSON(model) });
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) });
  }
});
