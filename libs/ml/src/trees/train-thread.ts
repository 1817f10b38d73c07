/**
 * The body of `trainGbdtInThread`'s worker thread: one fit, a message per round, the model as JSON.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { modelToJSON } from './serialize';
import { trainGbdt } from './train';
import type { DatasetInput, TrainParams } from './types';

export interface ThreadFitInput {
  data: DatasetInput;
  params: Omit<TrainParams, 'onIteration'>;
}

const port = parentPort;
if (port) {
  const { data, params } = workerData as ThreadFitInput;
  try {
    const model = trainGbdt(data, {
      ...params,
      onIteration: (info) => port.postMessage({ type: 'iteration', info }),
    });
    port.postMessage({ type: 'done', model: modelToJSON(model) });
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) });
  }
}
