// abortablePool against the real PostgreSQL: an abort ends statements PostgreSQL is running.
import { randomBytes } from 'node:crypto';

import { Client, Pool } from 'pg';

import { abortablePool } from '../src';

const url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shelfcast_test';
const table = `t_abort_${randomBytes(4).toString('hex')}`;

describe('abortablePool', () => {
  // Two connections: the run can hold them all and the cancel still goes through.
  const pool = new Pool({ connectionString: url, max: 2 });
  const blocker = new Client({ connectionString: url });

  beforeAll(async () => {
    await blocker.connect();
    await blocker.query(`CREATE TABLE ${table} (x int)`);
    await blocker.query(`INSERT INTO ${table} VALUES (1), (2)`);
  });

  afterAll(async () => {
    await blocker.query(`DROP TABLE IF EXISTS ${table}`);
    await blocker.end();
    await pool.end();
  });

  const waitingOnLock = async (): Promise<number> => {
    for (let i = 0; i < 100; i++) {
      const { rows } = await blocker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
        [`%FROM ${table}%`],
      );
      if (rows[0].n > 0) return rows[0].n;
      await new Promise((r) => setTimeout(r, 50));
    }
    return 0;
  };

  it('cancels the statements in progress on abort (query and checked-out clients), then refuses new work', async () => {
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const controller = new AbortController();
    const view = abortablePool(pool, controller.signal);
    const viaQuery = view.query(`SELECT sum(x) FROM ${table}`);
    const client = await view.connect();
    const viaClient = client.query(`SELECT count(*) FROM ${table}`).finally(() => client.release());
    // Both wait on the lock, holding the pool's two connections.
    expect(await waitingOnLock()).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 50 && (await waitingOnLock()) < 2; i++);
    controller.abort(new Error('run cancelled'));
    await expect(viaQuery).rejects.toThrow('run cancelled');
    await expect(viaClient).rejects.toThrow(/canceling statement due to user request/);
    await expect(view.query('SELECT 1')).rejects.toThrow('run cancelled');
    await blocker.query('ROLLBACK');

    // The pool itself goes on serving, and a view on another signal works.
    const fresh = abortablePool(pool, new AbortController().signal);
    const { rows } = await fresh.query<{ s: number }>(`SELECT sum(x)::int AS s FROM ${table}`);
    expect(rows[0].s).toBe(3);
    expect(pool.totalCount).toBeLessThanOrEqual(2);
  });
});
