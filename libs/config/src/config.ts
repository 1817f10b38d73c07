import { type z } from 'zod';

/** A configuration problem at boot: every offending variable is named. */
export class ConfigError extends Error {
  constructor(readonly issues: ReadonlyArray<{ variable: string; message: string }>) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export type EnvSchema = z.ZodObject<z.ZodRawShape>;

/** Where the servers are has a development default, but must be given explicitly in production. */
export const REQUIRED_IN_PRODUCTION = new Set(['DATABASE_URL', 'KAFKA_BROKERS', 'REDIS_URL']);

/**
 * Validate a flat environment against a schema whose keys are the variable names.
 * Throws ConfigError naming each missing or malformed variable.
 */
export function loadConfig<S extends EnvSchema>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable counts as unset, so a default applies and `required` reports it as missing.
    picked[key] = value === '' ? undefined : value;
  }
  const issues: Array<{ variable: string; message: string }> = [];
  if (env.NODE_ENV === 'production') {
    // No silent localhost defaults in production: where the servers are must be said.
    for (const key of Object.keys(schema.shape)) {
      if (REQUIRED_IN_PRODUCTION.has(key) && picked[key] === undefined) {
        issues.push({ variable: key, message: 'is required when NODE_ENV=production' });
      }
    }
  }
  const result = schema.safeParse(picked);
  if (!result.success || issues.length) {
    throw new ConfigError([
      ...issues,
      ...(result.error?.issues ?? []).map((issue) => {
        const variable = String(issue.path[0] ?? '(root)');
        const missing = picked[variable] === undefined;
        return {
          variable,
          message: missing
            ? 'is required but not set'
            : `${issue.message} (got ${JSON.stringify(redact(variable, picked[variable]))})`,
        };
      }),
    ]);
  }
  return result.data;
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|KEY)$/i;

function redact(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return value;
  if (SECRET_NAME.test(variable)) return '***';
  return value.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/** Removes the password from a connection URL for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/**
 * Loads the configuration or stops the process with exit code 1 and one line per bad variable
 * (as a JSON log line, so it reads well in a cluster's log store too).
 */
export function loadConfigOrExit<S extends EnvSchema>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service, msg: `${service} cannot start: ${e.message}`, issues: e.issues })}\n`,
    );
    process.exit(1);
  }
}
