import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HookpostError } from '../../../core/errors.js';
import type { Scope } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { requireTenant } from '../../../service/tenants.js';
import { authorize } from '../../auth.js';
import { TENANT_HEADER, type CompatCaller } from '../shared/credentials.js';

/** Where Timeback's scopes live: a token request names them by these URIs. */
export const TIMEBACK_SCOPE_PREFIX = 'https://purl.imsglobal.org/spec/caliper/v1p1/scope/';

/** Timeback's own scopes, which tenant keys (and access tokens) may hold. */
export const TIMEBACK_KEY_SCOPES = ['webhook.create', 'webhook.readonly', 'event.create'] as const;

/** What a route needs: reading webhooks, changing them, or sending events. */
export type TimebackAccess = 'read' | 'write' | 'events';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a Timeback route needs; checked before the body is read. */
    timebackAccess?: TimebackAccess;
  }
}

// Timeback's `admin` scope ("can call all endpoints") is the native `admin` scope. Undocumented
// beyond the scope names, and chosen: webhook.create also reads, deletes and manages filters.
const GRANTING: Record<TimebackAccess, Scope[]> = {
  read: ['webhook.readonly', 'webhook.create', 'admin'],
  write: ['webhook.create', 'admin'],
  events: ['event.create', 'admin'],
};
const NATIVE: Record<TimebackAccess, Scope> = { read: 'subscriptions:read', write: 'subscriptions:write', events: 'events:write' };
const TIMEBACK_ONLY = new Set<string>(TIMEBACK_KEY_SCOPES);

/** Checks every Timeback route's `config.timebackAccess` before its body is parsed or validated. */
export function requireTimebackAccess(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.timebackAccess;
    if (access) checkAccess(request, access);
  });
}

/**
 * The caller of a Timeback route and its tenant. A key (or access token) that holds Timeback
 * scopes is judged by them; any other credential (a plain tenant key, the admin) by the native
 * scope the route stands for, as on every compat door. An admin credential names its tenant in
 * the Hookpost-Tenant header.
 */
export async function timebackCaller(service: ServiceDeps, request: FastifyRequest): Promise<CompatCaller> {
  const access = request.routeOptions.config.timebackAccess;
  if (!access) throw new HookpostError('internal', `Route ${request.routeOptions.url ?? ''} declares no Timeback access.`);
  const principal = checkAccess(request, access);
  if (principal.kind === 'key' && principal.key.tenantId !== null) return { tenantId: principal.key.tenantId, principal };
  const named = request.headers[TENANT_HEADER];
  if (typeof named !== 'string' || named === '') {
    throw new HookpostError('forbidden', `An admin credential names its tenant in the ${TENANT_HEADER} header.`);
  }
  await requireTenant(service, named);
  return { tenantId: named, principal };
}

/** The key scope a token request's scope names: a Timeback scope URI or its short name; undefined if unknown. */
export function keyScopeOf(requested: string): Scope | undefined {
  const short = requested.startsWith(TIMEBACK_SCOPE_PREFIX) ? requested.slice(TIMEBACK_SCOPE_PREFIX.length) : requested;
  return short === 'admin' || TIMEBACK_ONLY.has(short) ? short : undefined;
}

function checkAccess(request: FastifyRequest, access: TimebackAccess) {
  const principal = request.principal;
  if (principal?.kind === 'key' && principal.key.tenantId !== null && principal.key.scopes.some((scope) => TIMEBACK_ONLY.has(scope))) {
    if (!principal.key.scopes.some((scope) => GRANTING[access].includes(scope))) {
      throw new HookpostError('forbidden', `This credential lacks the ${GRANTING[access][0]} scope.`);
    }
    return principal;
  }
  return authorize(request, NATIVE[access]);
}
