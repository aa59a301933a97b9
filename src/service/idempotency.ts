import { HookpostError } from '../core/errors.js';
import type { ServiceDeps } from './deps.js';
import { groupCommitsOf } from './group-commit.js';

/** How long a key's first answer is replayed (Svix keeps keys for a day, as Stripe does). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still pending after this long is taken to have died with its process: the key is free again. */
export const IDEMPOTENCY_PENDING_TTL_MS = 60 * 1000;

/** What to do with a request that carries an idempotency key. */
export type IdempotencyClaim = { kind: 'proceed' } | { kind: 'replay'; status: number; body: string };

/**
 * Claims `key` for the request `fingerprint` (method and route): the first request proceeds, a
 * retry after it finished replays its answer, a retry while it runs is a conflict, and the key
 * reused for another request is refused.
 */
export async function claimIdempotencyKey(deps: ServiceDeps, tenantId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
  const now = deps.now();
  // Claims made at the same moment share one transaction; each is answered once it committed.
  const held = await groupCommitsOf(deps.store).idempotencyClaims.write({
    request: { tenantId, key, fingerprint, state: 'pending', status: null, body: null, createdAt: now },
    reusableBefore: now - IDEMPOTENCY_KEY_TTL_MS,
  });
  if (held.fingerprint !== fingerprint) {
    throw new HookpostError('conflict', 'This idempotency key was used for another request.', { reason: 'idempotency_key_reused' });
  }
  if (held.createdAt === now && held.state === 'pending') return { kind: 'proceed' };
  if (held.state === 'done' && held.status !== null) return { kind: 'replay', status: held.status, body: held.body ?? '' };
  if (held.createdAt < now - IDEMPOTENCY_PENDING_TTL_MS) {
    await deps.store.releaseIdempotencyKey(tenantId, key);
    return claimIdempotencyKey(deps, tenantId, key, fingerprint);
  }
  throw new HookpostError('conflict', 'A request with this idempotency key is still being processed; retry shortly.', {
    reason: 'idempotency_key_in_progress',
  });
}

/**
 * Records the answer that retries with the key replay; resolves once it is committed (the answers
 * of requests finishing at the same moment share one transaction).
 */
export async function finishIdempotentRequest(deps: ServiceDeps, tenantId: string, key: string, status: number, body: string): Promise<void> {
  await groupCommitsOf(deps.store).idempotentAnswers.write({ tenantId, key, status, body });
}

/** Frees the key of a request whose answer retries must not replay (a server error). */
export function releaseIdempotencyKey(deps: ServiceDeps, tenantId: string, key: string): Promise<void> {
  return deps.store.releaseIdempotencyKey(tenantId, key);
}
