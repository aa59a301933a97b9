import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HookpostError } from '../core/errors.js';
import { INSTANCE_SCOPES, type Actor, type ApiKey, type Scope } from '../core/model.js';
import { findKeyForToken } from '../service/api-keys.js';
import type { ServiceDeps } from '../service/deps.js';
import { verifyAccessToken } from '../service/oauth.js';

/**
 * Who is calling: the instance admin, the holder of an API key, or a client holding an OAuth
 * access token issued to an API key. Every kind says its id, tenant (null: bound to none) and scopes.
 */
export type Principal =
  | { kind: 'admin'; id: 'admin'; tenantId: null; scopes: Scope[] }
  | { kind: 'key'; id: string; tenantId: string | null; scopes: Scope[]; key: ApiKey }
  | { kind: 'access_token'; id: string; tenantId: string | null; scopes: Scope[]; expiresAt: number };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The scope a route requires; checked, with the route's :tenant, before the body is read. */
    scope?: Scope;
    /** Only a credential bound to no tenant may call the route: it reaches across tenants. */
    instanceWide?: boolean;
  }
}

/**
 * Resolves every way a credential arrives, in one place (so that the rate limit and the scope
 * check see the caller whatever the door): bearer tokens (the admin token, compared in constant
 * time; an API key; an OAuth access token) and, under the path prefixes of doors whose platform
 * documents it, HTTP Basic with an API key's id as username and its token as password.
 */
export function createAuthenticator(service: ServiceDeps, adminToken: string, options: { basicAuthPrefixes?: readonly string[] } = {}) {
  const adminDigest = digest(adminToken);
  const basicPrefixes = options.basicAuthPrefixes ?? [];
  return async function authenticate(request: FastifyRequest): Promise<Principal | null> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      return basicPrefixes.some((prefix) => request.url.startsWith(prefix)) ? basicKeyPrincipal(service, request.headers.authorization) : null;
    }
    if (timingSafeEqual(digest(token), adminDigest)) return { kind: 'admin', id: 'admin', tenantId: null, scopes: ['admin'] };
    const key = await findKeyForToken(service, token);
    if (key) return keyPrincipal(key);
    const grant = await verifyAccessToken(service, token);
    if (grant) return { kind: 'access_token', id: grant.clientId, tenantId: grant.tenantId, scopes: grant.scopes, expiresAt: grant.expiresAt };
    return null;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S{1,4096})\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Allows the request only if its principal holds `scope` (`admin` on a tenant-less credential
 * holds all) and, for a tenant credential, only on its own tenant (`tenantId`) and never for an
 * instance-wide scope. Throws 401 without credentials and 403 otherwise.
 */
export function authorize(request: FastifyRequest, scope: Scope, tenantId?: string): Principal {
  const principal = requirePrincipal(request);
  if (principal.kind === 'admin') return principal;
  if (principal.tenantId === null) {
    if (principal.scopes.includes('admin') || principal.scopes.includes(scope)) return principal;
  } else if (tenantId !== undefined && principal.tenantId !== tenantId) {
    throw new HookpostError('forbidden', 'This credential belongs to another tenant.');
  } else if (!INSTANCE_SCOPES.includes(scope) && principal.scopes.includes(scope)) {
    return principal;
  }
  throw new HookpostError('forbidden', `This credential lacks the ${scope} scope.`);
}

/** Like authorize, for operations across tenants (list tenants, the audit log): tenant credentials never pass. */
export function authorizeInstance(request: FastifyRequest, scope: Scope): Principal {
  const principal = requirePrincipal(request);
  if (principal.tenantId !== null) throw new HookpostError('forbidden', 'This needs a credential that is bound to no tenant.');
  return authorize(request, scope);
}

/**
 * Checks the scope a route declares in its config, with the route's :tenant, before the body
 * is parsed or validated: a caller without the right credential learns nothing about what the
 * route would accept, and a tenant credential never reaches a handler on another tenant's path.
 */
export function authorizeRoute(request: FastifyRequest): void {
  const { scope, instanceWide } = request.routeOptions.config;
  if (scope === undefined) return;
  if (instanceWide) authorizeInstance(request, scope);
  else authorize(request, scope, (request.params as { tenant?: string } | undefined)?.tenant);
}

/** The principal of a request that passed authorizeRoute. */
export function principalOf(request: FastifyRequest): Principal {
  return requirePrincipal(request);
}

/** The audit log's name for a principal. */
export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case 'admin':
      return { kind: 'admin', id: 'admin' };
    case 'key':
      return { kind: 'api_key', id: principal.id };
    case 'access_token':
      return { kind: 'oauth_client', id: principal.id };
  }
}

function requirePrincipal(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw new HookpostError('unauthorized', 'Send a valid token as Authorization: Bearer <token>.');
  return principal;
}

async function basicKeyPrincipal(service: ServiceDeps, header: string | undefined): Promise<Principal | null> {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const key = await findKeyForToken(service, decoded.slice(colon + 1));
  return key && key.id === decoded.slice(0, colon) ? keyPrincipal(key) : null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The principal of a caller holding an API key (as a bearer token or, on some platforms, Basic). */
export function keyPrincipal(key: ApiKey): Principal {
  return { kind: 'key', id: key.id, tenantId: key.tenantId, scopes: key.scopes, key };
}
