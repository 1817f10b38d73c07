/**
 * A pg pool whose work can be stopped from outside: once the signal fires, every statement running
 * on a connection taken through the view is cancelled in PostgreSQL (`pg_cancel_backend`, sent on a
 * connection of its own so that a pool in full use cannot hold the cancel up), and new work is
 * refused with the signal's reason. A long query (an aggregate over every event, or one waiting on
 * a lock) ends at once instead of when it would have finished.
 */
import { Client, type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';

type ReleasableClient = PoolClient & { release: (err?: Error | boolean) => void };

export function abortablePool(pool: Pool, signal: AbortSignal): Pool {
  const active = new Set<PoolClient>();

  const cancelRunning = async (): Promise<void> => {
    const pids = [...active]
      .map((c) => (c as unknown as { processID?: number }).processID)
      .filter((p): p is number => typeof p === 'number');
    if (pids.length === 0) return;
    const client = new Client(pool.options);
    try {
      await client.connect();
      await client.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS t(pid)', [pids]);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  signal.addEventListener('abort', () => void cancelRunning().catch(() => undefined), { once: true });

  const connect = async (): Promise<PoolClient> => {
    signal.throwIfAborted();
    const client = (await pool.connect()) as ReleasableClient;
    active.add(client);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      active.delete(client);
      return release(err);
    };
    return client;
  };

  const query = async <R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> => {
    const client = await connect();
    let failure: unknown;
    try {
      return await client.query<R>(text, values);
    } catch (e) {
      failure = e;
      throw signal.aborted ? signal.reason : e;
    } finally {
      // A connection whose statement failed for another reason than the cancel is not reused.
      client.release(failure !== undefined && !signal.aborted ? (failure as Error) : undefined);
    }
  };

  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'connect') return connect;
      if (property === 'query') return query;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
