import { randomBytes } from 'node:crypto';

import type { PrismaClient } from './generated/prisma/client';
import { hashSecret, verifySecret } from './secrets';

/** `sc_<id>_<secret>`: the id finds the row, the secret (32 random bytes) is checked against its hash. */
const KEY_PATTERN = /^sc_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  id: string;
  source: string;
  /** The whole key: shown once, never stored. */
  key: string;
}

export interface ApiKeyIdentity {
  id: string;
  source: string;
}

export type ApiKeyCheck =
  { ok: true; identity: ApiKeyIdentity } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'mismatch' };

function publicId(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(12);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** API keys of ingestion sources: created, checked, listed and revoked; only salted hashes are stored. */
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(source: string, options: { name?: string; createdBy?: string } = {}): Promise<IssuedApiKey> {
    const id = publicId();
    const secret = randomBytes(32).toString('base64url');
    await this.prisma.apiKey.create({
      data: {
        id,
        source,
        name: options.name,
        createdBy: options.createdBy ?? 'system',
        secretHash: await hashSecret(secret),
      },
    });
    return { id, source, key: `sc_${id}_${secret}` };
  }

  async verify(key: string): Promise<ApiKeyCheck> {
    const match = KEY_PATTERN.exec(key);
    if (!match) return { ok: false, reason: 'malformed' };
    const row = await this.prisma.apiKey.findUnique({ where: { id: match[1] } });
    if (!row) return { ok: false, reason: 'unknown' };
    if (!(await verifySecret(match[2], row.secretHash))) return { ok: false, reason: 'mismatch' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    return { ok: true, identity: { id: row.id, source: row.source } };
  }

  /** Revokes a key; true when it was active. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  async touch(id: string): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date() } });
  }

  list(source?: string) {
    return this.prisma.apiKey.findMany({
      where: source ? { source } : {},
      orderBy: { createdAt: 'asc' },
      select: {
        id: true,
        source: true,
        name: true,
        createdAt: true,
        createdBy: true,
        revokedAt: true,
        lastUsedAt: true,
      },
    });
  }
}
