import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HookpostError } from '../../../core/errors.js';
import type { Scope } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { SECRET_IS_CREDENTIAL } from '../../../service/subscriptions.js';
import { requireTenant } from '../../../service/tenants.js';
import { authorize, type Principal } from '../../auth.js';

/** Header with which an admin credential (bound to no tenant) names the tenant a compat request acts for. */
export const TENANT_HEADER = 'hookpost-tenant';

/** Who calls a compat route, and for which tenant. */
export interface CompatCaller {
  tenantId: string;
  principal: Principal;
}

/**
 * The tenant a compat request acts for: a tenant key's own tenant, or for an admin credential the
 * tenant named in the Hookpost-Tenant header, holding `explicitScope` or else the route's
 * `config.scope` (which app.ts checked before the body was read). A route with neither is a bug.
 */
export async function callerOf(service: ServiceDeps, request: FastifyRequest, explicitScope?: Scope): Promise<CompatCaller> {
  const scope: Scope | undefined = explicitScope ?? request.routeOptions.config.scope;
  if (!scope) throw new HookpostError('internal', `Route ${request.routeOptions.url ?? ''} declares no scope.`);
  return callerFor(service, request, authorize(request, scope));
}

/** The caller of an authorised request with its tenant: the key's own, or the one an admin credential names in Hookpost-Tenant. */
export async function callerFor(service: ServiceDeps, request: FastifyRequest, principal: Principal): Promise<CompatCaller> {
  if (principal.tenantId !== null) return { tenantId: principal.tenantId, principal };
  const named = request.headers[TENANT_HEADER];
  if (typeof named !== 'string' || named === '') {
    throw new HookpostError('forbidden', `An admin credential names its tenant in the ${TENANT_HEADER} header.`);
  }
  await requireTenant(service, named);
  return { tenantId: named, principal };
}

/**
 * Whether the caller holds the platform scopes an operation needs. The admin, and a key that holds
 * no scope of this platform at all (a plain tenant key, like a platform's account-owner key), hold
 * them all; a key restricted to some platform scopes holds only those.
 */
export function holdsPlatformScopes(principal: Principal, required: string[], isPlatformScope: (scope: string) => boolean): boolean {
  if (principal.tenantId === null || principal.scopes.includes('admin')) return true;
  const platformScopes = principal.scopes.filter(isPlatformScope);
  return platformScopes.length === 0 || required.every((scope) => platformScopes.includes(scope));
}

/** A stable id of who made a change, for platforms whose webhooks show `created_by`. */
export function actorOf(principal: Principal): string {
  return principal.id;
}

/**
 * A Standard Webhooks secret whose key bytes are the caller's bearer token, for platforms that sign
 * deliveries with the credential the webhook was created with (so receivers verify with their API
 * key, as those platforms document). Only a tenant key lends itself: the secret can be read back
 * by the tenant, so an instance credential (admin token, admin key) never becomes one. Undefined
 * otherwise, or when the token does not fit a secret's 24 to 64 bytes: a secret is then generated.
 */
export function secretFromCredential(request: FastifyRequest, principal: Principal): string | undefined {
  if (principal.kind !== 'key' || principal.key.tenantId === null) return undefined;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return undefined;
  const bytes = Buffer.from(token, 'utf8');
  return bytes.length >= 24 && bytes.length <= 64 ? `whsec_${bytes.toString('base64')}` : undefined;
}

/**
 * What a webhook signed with its creator's credential is created with: the secret of
 * secretFromCredential and the platformData mark that keeps the native API from showing or
 * replacing it. Empty when no credential lends itself (a secret is then generated).
 */
export function credentialSigning(request: FastifyRequest, principal: Principal): { secret?: string; platformData: Record<string, unknown> } {
  const secret = secretFromCredential(request, principal);
  return secret === undefined ? { platformData: {} } : { secret, platformData: { [SECRET_IS_CREDENTIAL]: true } };
}

/** Route configs: the scope each kind of compat route needs, checked before the body is read. */
export const READS_WEBHOOKS = { scope: 'subscriptions:read' } as const;
export const WRITES_WEBHOOKS = { scope: 'subscriptions:write' } as const;
export const READS_EVENTS = { scope: 'events:read' } as const;

/**
 * Answers 401 before the body is validated when a request carries no valid credential, for
 * routes that check their scopes in the handler rather than in `config.scope`.
 */
export function requireCredentials(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!request.principal) throw new HookpostError('unauthorized', 'Send a valid API key as Authorization: Bearer <key>.');
  });
}
