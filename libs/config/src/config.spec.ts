import { z } from 'zod';

import { ConfigError, loadConfig } from './config';
import { databaseEnv, env, kafkaEnv } from './env';

describe('loadConfig', () => {
  const schema = z.object({ ...kafkaEnv, ...databaseEnv, PORT: env.port(3000), ENABLED: env.bool(false) });

  it('applies defaults and coerces types', () => {
    const config = loadConfig(schema, { PORT: '8080', ENABLED: 'true', KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.PORT).toBe(8080);
    expect(config.ENABLED).toBe(true);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.DATABASE_SCHEMA).toBe('public');
  });

  it('names every malformed variable', () => {
    const error = (() => {
      try {
        loadConfig(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x', ENABLED: 'maybe' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'ENABLED', 'PORT']);
    expect(error.message).toContain('DATABASE_URL: expected a URL with scheme postgres or postgresql');
  });

  it('reports a required variable as missing, and treats empty as unset', () => {
    const required = z.object({ JWT_SECRET: z.string().min(32) });
    expect(() => loadConfig(required, { JWT_SECRET: '' })).toThrow('JWT_SECRET: is required but not set');
  });

  it('never echoes a secret or a URL password', () => {
    const secret = z.object({ API_TOKEN: z.string().min(40), DATABASE_URL: databaseEnv.DATABASE_URL });
    try {
      loadConfig(secret, { API_TOKEN: 'short-secret', DATABASE_URL: 'mysql://u:hunter2@h/db' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).not.toContain('short-secret');
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('requires the server addresses in production', () => {
    expect(() => loadConfig(schema, { NODE_ENV: 'production', KAFKA_BROKERS: 'k:9092' })).toThrow(
      'DATABASE_URL: is required when NODE_ENV=production',
    );
    expect(
      loadConfig(schema, { NODE_ENV: 'production', KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://db/x' })
        .KAFKA_BROKERS,
    ).toEqual(['k:9092']);
  });
});
