import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HookpostError } from '../../../core/errors.js';
import type { ServiceDeps } from '../../../service/deps.js';
import { claimIdempotencyKey, finishIdempotentRequest, releaseIdempotencyKey } from '../../../service/idempotency.js';
import { callerOf } from './credentials.js';

const HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 256;

/**
 * Makes POSTs under this plugin idempotent by their `Idempotency-Key` header (Svix, Stripe): the
 * first request runs and its answer is kept; a retry with the key gets that answer again
 * (marked `idempotent-replayed: true`) and runs nothing. Server errors are not kept, so their
 * retries run again. Runs after authentication and validation, per tenant.
 */
export function replayIdempotentRequests(app: FastifyInstance, service: ServiceDeps): void {
  const held = new WeakMap<FastifyRequest, { tenantId: string; key: string }>();

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers[HEADER];
    // Unknown routes (the not-found handler runs hooks too) and open ones have no tenant to key by.
    if (request.method !== 'POST' || typeof key !== 'string' || key === '' || !request.routeOptions.config.scope) return;
    if (key.length > MAX_KEY_LENGTH) {
      throw new HookpostError('bad_request', `The ${HEADER} header holds at most ${MAX_KEY_LENGTH} characters.`);
    }
    const { tenantId } = await callerOf(service, request);
    const fingerprint = `${request.method} ${request.url.split('?')[0]}`;
    const claim = await claimIdempotencyKey(service, tenantId, key, fingerprint);
    if (claim.kind === 'replay') {
      return reply.status(claim.status).header('idempotent-replayed', 'true').type('application/json').send(claim.body === '' ? undefined : claim.body);
    }
    held.set(request, { tenantId, key });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = held.get(request);
    if (!claimed) return payload;
    held.delete(request);
    if (reply.statusCode >= 500) await releaseIdempotencyKey(service, claimed.tenantId, claimed.key);
    else await finishIdempotentRequest(service, claimed.tenantId, claimed.key, reply.statusCode, typeof payload === 'string' ? payload : '');
    return payload;
  });
}
