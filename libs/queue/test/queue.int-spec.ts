import { QUEUES, TypedQueue, createRedis, createTypedWorker, type JobData } from '../src';
import { testRedisPrefix, testServers } from '@shelfcast/testing';
import { QueueEvents, type Worker } from 'bullmq';

describe('libs/queue on a real Redis', () => {
  const { prefix, cleanup } = testRedisPrefix('queue');
  const connections = [0, 1, 2].map(() => createRedis(testServers.redisUrl, { forBullmq: true }));
  const [connection, eventsConnection, workerConnection] = connections;
  const queue = new TypedQueue(QUEUES.training, { connection, prefix });
  const events = new QueueEvents(QUEUES.training, { connection: eventsConnection, prefix });
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.close();
    await queue.close();
    await events.close();
    connections.forEach((c) => c.disconnect());
    await cleanup();
  });

  it('runs a typed job end to end and returns its result', async () => {
    const seen: Array<JobData<'train'>> = [];
    worker = createTypedWorker(
      QUEUES.training,
      {
        train: async (_job, data) => {
          seen.push(data);
          return { trained: data.modelName, horizon: data.horizon };
        },
        backtest: async () => ({}),
        tune: async () => ({}),
        'tune-trial': async () => ({}),
        'retrain-all': async () => ({}),
      },
      { connection: workerConnection, prefix },
    );
    await events.waitUntilReady();
    const job = await queue.add('train', {
      runId: 'r1',
      modelName: 'demand-gbdt',
      family: 'gbdt',
      featureSetVersion: 'daily-v1',
      horizon: 14,
    });
    const result = await job.waitUntilFinished(events, 30000);
    expect(result).toEqual({ trained: 'demand-gbdt', horizon: 14 });
    // Defaults were applied before the job was stored.
    expect(seen[0].quantiles).toEqual([0.1, 0.5, 0.9]);
  });

  it('refuses a bad payload at add time, naming the field', async () => {
    await expect(
      queue.add('train', { runId: 'r2', modelName: 'Bad Name', family: 'gbdt', featureSetVersion: 'v', horizon: 14 }),
    ).rejects.toThrow('modelName');
  });

  it('fails a stored job with a bad payload at once, without retries', async () => {
    // Written around the typed queue, as an old producer or a hand-made job might.
    const raw = await queue.queue.add(
      'train',
      { runId: 'r3', horizon: 'soon' },
      { attempts: 5, backoff: { type: 'fixed', delay: 10 } },
    );
    await expect(raw.waitUntilFinished(events, 30000)).rejects.toThrow('invalid payload');
    const failed = await queue.queue.getJob(raw.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toContain('horizon');
  });
});
