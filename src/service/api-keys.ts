import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../core/ids.js';
import type { ApiKey, Scope } from '../core/model.js';
import type { ServiceDeps } from './deps.js';

const TOKEN_PREFIX = 'hpk_';
// Writing last_used_at on every request would make each API call a write; once a minute is enough.
const TOUCH_INTERVAL_MS = 60_000;

/** The default scopes of a tenant key: everything a tenant may do with its own data. */
export const TENANT_KEY_SCOPES: Scope[] = [
  'events:write',
  'events:read',
  'subscriptions:read',
  'subscriptions:write',
  'deliveries:read',
  'deliveries:write',
];

/** Hash under which a token is stored and looked up; the token itself is never kept. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Mints a key: a 256-bit random token with a recognisable prefix, returned this once, stored as a hash. */
export async function createApiKey(
  deps: ServiceDeps,
  input: { tenantId: string | null; scopes?: Scope[] | undefined; name?: string | null | undefined },
): Promise<{ key: ApiKey; token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const key: ApiKey = {
    id: newId('apiKey'),
    tenantId: input.tenantId,
    name: input.name ?? null,
    scopes: input.scopes ?? (input.tenantId === null ? ['admin'] : TENANT_KEY_SCOPES),
    tokenHash: hashToken(token),
    createdAt: deps.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.store.insertApiKey(key);
  return { key, token };
}

/**
 * The live key a token belongs to, or undefined. Lookup is by hash, so no comparison of the
 * secret itself happens in our code, and timing reveals nothing about it.
 */
export async function findKeyForToken(deps: ServiceDeps, token: string): Promise<ApiKey | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const key = await deps.store.findApiKeyByHash(hashToken(token));
  if (!key || key.revokedAt !== null) return undefined;
  const now = deps.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL_MS) {
    await deps.store.touchApiKey(key.id, now);
    key.lastUsedAt = now;
  }
  return key;
}
