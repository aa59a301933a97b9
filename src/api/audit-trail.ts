import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit, type AuditRecord } from '../service/audit.js';
import type { ServiceDeps } from '../service/deps.js';
import { actorOf } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once a route wrote its own audit entry, so the fallback below writes none. */
    audited: boolean;
  }
  interface FastifyContextConfig {
    /** False for routes whose changes are data, not configuration (publishing events, issuing tokens). */
    audit?: boolean;
  }
}

const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Records what the calling principal just did. */
export async function audit(request: FastifyRequest, service: ServiceDeps, record: AuditRecord): Promise<void> {
  if (!request.principal) return;
  await recordAudit(service, actorOf(request.principal), record);
  request.audited = true;
}

/**
 * Every successful change made through a route that wrote no entry of its own (a compat door's,
 * say) still gets one, naming the route; so no door can change configuration unrecorded.
 */
export function installAuditFallback(app: FastifyInstance, service: ServiceDeps): void {
  app.decorateRequest('audited', false);
  app.addHook('onResponse', async (request, reply) => {
    if (request.audited || !request.principal || !CHANGING_METHODS.has(request.method)) return;
    if (reply.statusCode < 200 || reply.statusCode >= 300 || request.routeOptions.config.audit === false) return;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    try {
      await recordAudit(service, actorOf(request.principal), {
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        tenantId: params.tenant ?? request.principal.tenantId,
        targetType: 'route',
        targetId: params.id ?? null,
        details: { status: reply.statusCode },
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not write the audit entry of a change');
    }
  });
}
