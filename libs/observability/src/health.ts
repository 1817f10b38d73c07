/** A readiness probe of one real dependency (Kafka, PostgreSQL, Redis...). It throws when the dependency is down. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  /** Names of the dependencies that are down, or `shutting-down` while draining. */
  down: string[];
  checks: Record<string, { status: 'up' | 'down'; error?: string; ms: number }>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runHealthChecks(checks: HealthCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, { status: 'up' as const, ms: Math.round(performance.now() - started) }] as const;
      } catch (e) {
        return [
          c.name,
          { status: 'down' as const, error: (e as Error).message, ms: Math.round(performance.now() - started) },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
  return { status: down.length ? 'unavailable' : 'ok', down, checks: Object.fromEntries(results) };
}
