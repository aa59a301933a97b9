import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HookpostError } from '../core/errors.js';
import type { ApiKey, Scope } from '../core/model.js';
import { findKeyForToken } from '../service/api-keys.js';
import type { ServiceDeps } from '../service/deps.js';

/** Who is calling: the instance admin, or the holder of an API key. */
export type Principal = { kind: 'admin' } | { kind: 'key'; key: ApiKey };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The scope a route requires; checked, with the route's :tenant, before the body is read. */
    scope?: Scope;
  }
}

/** Resolves bearer tokens: the admin token (compared in constant time) or a stored API key. */
export function createAuthenticator(service: ServiceDeps, adminToken: string) {
  const adminDigest = digest(adminToken);
  return async function authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
    if (!match?.[1]) return null;
    const token = match[1];
    if (timingSafeEqual(digest(token), adminDigest)) return { kind: 'admin' };
    const key = await findKeyForToken(service, token);
    return key ? { kind: 'key', key } : null;
  };
}

/**
 * Allows the request only if its principal holds `scope` (admin holds all) and, for a tenant
 * key, only on its own tenant. Throws 401 without credentials and 403 otherwise.
 */
export function authorize(request: FastifyRequest, scope: Scope, tenantId?: string): Principal {
  const principal = request.principal;
  if (!principal) throw new HookpostError('unauthorized', 'Send a valid token as Authorization: Bearer <token>.');
  if (principal.kind === 'admin') return principal;
  const { key } = principal;
  if (key.tenantId === null) {
    if (key.scopes.includes('admin') || key.scopes.includes(scope)) return principal;
  } else if (tenantId !== undefined && key.tenantId !== tenantId) {
    throw new HookpostError('forbidden', 'This key belongs to another tenant.');
  } else if (scope !== 'admin' && (key.scopes.includes(scope) || key.scopes.includes('admin'))) {
    return principal;
  }
  throw new HookpostError('forbidden', `This key lacks the ${scope} scope.`);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
