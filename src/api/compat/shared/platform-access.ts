import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HookpostError } from '../../../core/errors.js';
import type { Scope } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { authorize, type Principal } from '../../auth.js';
import { callerFor, type CompatCaller } from './credentials.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** For platforms whose scopes are access levels (Timeback, Fourthwall): the level a route needs. */
    platformAccess?: string;
  }
}

/** How a platform's access levels map to its own scopes and to the native scope that stands for each. */
export interface PlatformAccessRules<Level extends string> {
  /** The platform's own scopes; a key holding any of them is judged by them alone. */
  platformScopes: readonly string[];
  /** For each level, the scopes any one of which grants it (`admin` may be among them). */
  granting: Record<Level, readonly Scope[]>;
  /** For each level, the native scope a key without platform scopes needs. */
  native: Record<Level, Scope>;
}

/**
 * Access for platforms whose scopes are access levels rather than resources (Timeback's
 * `webhook.readonly`, Fourthwall's `webhook_write`). Routes say `config: { platformAccess: level }`
 * instead of a native `scope`, so that a key holding only platform scopes gets in; `install`
 * checks the level before the body is read and `caller` resolves the tenant.
 */
export function platformAccess<Level extends string>(rules: PlatformAccessRules<Level>) {
  const platformScopes = new Set(rules.platformScopes);
  const check = (request: FastifyRequest, level: Level): Principal => {
    const principal = request.principal;
    if (principal && principal.tenantId !== null && principal.scopes.some((scope) => platformScopes.has(scope))) {
      const granting = rules.granting[level];
      if (!principal.scopes.some((scope) => granting.includes(scope))) {
        throw new HookpostError('forbidden', `This credential lacks the ${granting[0]} scope.`);
      }
      return principal;
    }
    return authorize(request, rules.native[level]);
  };
  const levelOf = (request: FastifyRequest) => request.routeOptions.config.platformAccess as Level | undefined;

  return {
    /** Checks each route's level on request, before the body is parsed or validated. */
    install(app: FastifyInstance): void {
      app.addHook('onRequest', async (request) => {
        const level = levelOf(request);
        if (level) check(request, level);
      });
    },
    /** The caller and its tenant (an admin credential names it in the Hookpost-Tenant header). */
    async caller(service: ServiceDeps, request: FastifyRequest): Promise<CompatCaller> {
      const level = levelOf(request);
      if (!level) throw new HookpostError('internal', `Route ${request.routeOptions.url ?? ''} declares no access level.`);
      return callerFor(service, request, check(request, level));
    },
  };
}
