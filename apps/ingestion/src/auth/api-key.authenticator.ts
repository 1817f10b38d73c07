import { type ApiKeyRepository, type ApiKeyIdentity } from '@shelfcast/db';
import { ApiError, type Logger } from '@shelfcast/observability';

/**
 * Resolves the API key of a request (`Authorization: Bearer <key>` or `X-API-Key`) to its source.
 * A verified key is remembered for a short while, so scrypt and PostgreSQL are not on every request;
 * a revocation takes effect within that time.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { identity: ApiKeyIdentity; until: number }>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly cacheMs: number,
    private readonly logger: Logger,
  ) {}

  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<ApiKeyIdentity> {
    const key = extractKey(headers);
    if (!key) {
      throw new ApiError(
        401,
        'unauthorized',
        'an API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`',
      );
    }
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.identity;

    const check = await this.keys.verify(key);
    if (!check.ok) {
      this.cache.delete(key);
      this.logger.info({ reason: check.reason }, 'API key refused');
      throw new ApiError(
        401,
        'unauthorized',
        check.reason === 'revoked' ? 'this API key has been revoked' : 'the API key is not valid',
      );
    }
    if (this.cacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, { identity: check.identity, until: now + this.cacheMs });
    }
    this.keys.touch(check.identity.id).catch((e: unknown) => this.logger.warn({ err: e }, 'cannot record key use'));
    return check.identity;
  }
}

function extractKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const authorization = header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return header('x-api-key')?.trim() || undefined;
}
