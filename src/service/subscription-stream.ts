import type { HookEvent } from '../core/model.js';
import { decodeCursor, encodeCursor } from '../store/cursor.js';
import type { ServiceDeps } from './deps.js';
import { requireSubscription } from './subscriptions.js';

/** Long-polls wait at most this long (the `wait` a caller may ask for). */
export const MAX_STREAM_WAIT_SECONDS = 30;
// While a long-poll waits, the store is read again this often: a publish in another process
// (PostgreSQL, several API processes) is seen within this, a publish in this one at once.
const STREAM_POLL_MS = 250;

/** What a consumer asks of a subscription's stream. */
export interface StreamRequest {
  /** The cursor of the last read (null: from the start). */
  after: string | null;
  limit: number;
  /** Wait up to this long for an event when none is there yet (0: answer at once). */
  waitMs: number;
  /** Ends a wait early (the consumer went away). */
  signal?: AbortSignal;
}

/** Events after the cursor, in publish order, and the cursor to read on from (the same one when none came). */
export interface StreamPage {
  events: HookEvent[];
  cursor: string | null;
}

/**
 * The events that reach a subscription, in the order its deliveries were made (publish order),
 * for a consumer that reads instead of receiving webhooks: the same stream the subscription is
 * sent, read with a cursor. With `waitMs`, an empty read waits for the next event (long polling).
 */
export async function readSubscriptionStream(deps: ServiceDeps, tenantId: string, subscriptionId: string, request: StreamRequest): Promise<StreamPage> {
  await requireSubscription(deps, tenantId, subscriptionId);
  const after = decodeCursor(request.after) ?? '';
  const deadline = Date.now() + request.waitMs;
  for (;;) {
    const items = await deps.store.listSubscriptionStream(tenantId, subscriptionId, after, request.limit);
    const last = items.at(-1);
    if (last !== undefined) return { events: items.map((i) => i.event), cursor: encodeCursor(last.position) };
    const left = deadline - Date.now();
    if (left <= 0 || request.signal?.aborted) return { events: [], cursor: request.after };
    await nextChance(deps, Math.min(left, STREAM_POLL_MS), request.signal);
  }
}

/** Resolves after `ms`, or sooner when this process wrote events with deliveries (a publish), made deliveries due (a resend), or the wait is abandoned. */
function nextChance(deps: ServiceDeps, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      unsubscribeWritten();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe = deps.store.onDeliveriesDue(done);
    const unsubscribeWritten = deps.store.onEventsWritten(done);
    signal?.addEventListener('abort', done);
  });
}
