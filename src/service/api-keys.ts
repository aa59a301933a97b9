import { createHash, randomBytes } from 'node:crypto';
import { HookpostError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { INSTANCE_SCOPES, SCOPES, type ApiKey, type PageRequest, type Scope } from '../core/model.js';
import type { ServiceDeps } from './deps.js';

const TOKEN_PREFIX = 'hpk_';
// Writing last_used_at on every request would make each API call a write; once a minute is enough.
const TOUCH_INTERVAL_MS = 60_000;

/** The default scopes of a tenant key: everything a tenant may do with its own data except manage keys. */
export const TENANT_KEY_SCOPES: Scope[] = [
  'tenants:read',
  'event-types:read',
  'events:write',
  'events:read',
  'subscriptions:read',
  'subscriptions:write',
  'deliveries:read',
  'deliveries:write',
];

/** Every scope a tenant key may be given: all but the instance-wide ones. */
export const GRANTABLE_TENANT_SCOPES: readonly Scope[] = SCOPES.filter((scope) => !INSTANCE_SCOPES.includes(scope));

/** Hash under which a token is stored and looked up; the token itself is never kept. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Mints a key: a 256-bit random token with a recognisable prefix, returned this once, stored as a hash. */
export async function createApiKey(
  deps: ServiceDeps,
  input: { tenantId: string | null; scopes?: Scope[] | undefined; name?: string | null | undefined },
): Promise<{ key: ApiKey; token: string }> {
  const scopes = input.scopes ?? (input.tenantId === null ? ['admin'] : TENANT_KEY_SCOPES);
  checkScopes(input.tenantId, scopes, deps.platformScopes);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const key: ApiKey = {
    id: newId('apiKey'),
    tenantId: input.tenantId,
    name: input.name ?? null,
    scopes,
    tokenHash: hashToken(token),
    createdAt: deps.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.store.insertApiKey(key);
  return { key, token };
}

/** Refuses scopes nobody knows, and instance-wide scopes on a tenant key; platform scopes are tenant scopes. */
export function checkScopes(tenantId: string | null, scopes: readonly Scope[], platformScopes: readonly string[] = []): void {
  const allowed: readonly Scope[] = tenantId === null ? [...SCOPES, ...platformScopes] : [...GRANTABLE_TENANT_SCOPES, ...platformScopes];
  const refused = scopes.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) {
    throw new HookpostError(
      'validation_failed',
      tenantId === null ? 'Some scopes are unknown.' : 'A tenant key holds only tenant scopes.',
      refused.map((scope) => ({ pointer: `/scopes/${scopes.indexOf(scope)}`, message: `${scope} is not one of: ${allowed.join(', ')}` })),
    );
  }
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

/** The keys of a tenant, or the admin keys (null); tokens are never part of them. */
export function listApiKeys(deps: ServiceDeps, tenantId: string | null, page: PageRequest) {
  return deps.store.listApiKeys(tenantId, page);
}

/**
 * The key `id` as seen from `tenantId` (a tenant sees only its own keys; null sees admin keys;
 * undefined sees every key), or not_found.
 */
export async function requireApiKey(deps: ServiceDeps, id: string, tenantId: string | null | undefined): Promise<ApiKey> {
  const key = await deps.store.getApiKey(id);
  if (!key || (tenantId !== undefined && key.tenantId !== tenantId)) throw new HookpostError('not_found', `No API key ${id}.`);
  return key;
}

/**
 * Revokes a key: every request with its token, and every access token issued to it, is refused
 * from now on. Revoking a revoked key changes nothing; `revoked` says whether this call did it.
 */
export async function revokeApiKey(
  deps: ServiceDeps,
  id: string,
  tenantId: string | null | undefined,
): Promise<{ key: ApiKey; revoked: boolean }> {
  const key = await requireApiKey(deps, id, tenantId);
  const at = deps.now();
  const revoked = await deps.store.revokeApiKey(key.id, at);
  return { key: revoked ? { ...key, revokedAt: at } : key, revoked };
}
