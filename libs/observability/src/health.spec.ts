import { runHealthChecks } from './health';

describe('runHealthChecks', () => {
  it('is ok when every dependency answers', async () => {
    const report = await runHealthChecks([{ name: 'kafka', check: async () => undefined }]);
    expect(report).toMatchObject({ status: 'ok', down: [], checks: { kafka: { status: 'up' } } });
  });

  it('names the dependency that fails or hangs', async () => {
    const report = await runHealthChecks(
      [
        { name: 'postgres', check: async () => undefined },
        { name: 'redis', check: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) },
        { name: 'kafka', check: () => new Promise(() => undefined) },
      ],
      50,
    );
    expect(report.status).toBe('unavailable');
    expect(report.down.sort()).toEqual(['kafka', 'redis']);
    expect(report.checks.redis.error).toContain('ECONNREFUSED');
    expect(report.checks.kafka.error).toBe('no answer within 50 ms');
  });
});
