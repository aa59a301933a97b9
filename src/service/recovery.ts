import { HookpostError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { EpochMs, Task } from '../core/model.js';
import type { ServiceDeps } from './deps.js';
import { requireSubscription } from './subscriptions.js';
import type { TaskStep } from './tasks.js';

/** Which failed deliveries to send again: those created from `since` up to `until` (now when absent). */
export interface RecoverInput {
  since: EpochMs;
  until?: EpochMs | null | undefined;
}

/**
 * Starts a background task that requeues every failed delivery of the subscription created in the
 * window, in batches. Idempotent: while a task for the same subscription and window runs, asking
 * again answers with that task (`created: false`) and sends nothing twice. A later request finds
 * only what has failed since (requeued deliveries are no longer failed). Every door calls this.
 */
export async function startRecovery(
  deps: ServiceDeps,
  tenantId: string,
  subscriptionId: string,
  input: RecoverInput,
): Promise<{ task: Task; created: boolean }> {
  await requireSubscription(deps, tenantId, subscriptionId);
  const now = deps.now();
  const until = input.until ?? null;
  if (!Number.isFinite(input.since) || input.since > now) {
    throw new HookpostError('validation_failed', '`since` is a time in the past.', [{ pointer: '/since', message: 'must not be in the future' }]);
  }
  if (until !== null && until <= input.since) {
    throw new HookpostError('validation_failed', '`until` comes after `since`.', [{ pointer: '/until', message: 'must be later than since' }]);
  }
  const task: Task = {
    id: newId('task'),
    tenantId,
    kind: 'recover',
    status: 'running',
    params: {
      subscription_id: subscriptionId,
      since: new Date(input.since).toISOString(),
      // Without `until`, the window closes when the request was made: what fails later is not this request's.
      until: new Date(until ?? now).toISOString(),
    },
    progress: { requeued: 0 },
    cursor: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  const requestKey = `recover:${subscriptionId}:${input.since}:${until ?? ''}`;
  // The store announces a created task to the task runners (see Store.onTasksDue).
  return deps.store.startTask(task, requestKey);
}

/** One batch of a recovery: requeues up to `batchSize` failed deliveries after the cursor. */
export const recoverStep: TaskStep = async (deps, task, batchSize) => {
  const params = task.params as { subscription_id: string; since: string; until: string };
  const ids = await deps.store.requeueFailedDeliveries(
    {
      tenantId: task.tenantId,
      subscriptionId: params.subscription_id,
      since: Date.parse(params.since),
      until: Date.parse(params.until),
      after: task.cursor,
      limit: batchSize,
    },
    deps.now(),
  );
  return {
    progress: { ...task.progress, requeued: (task.progress.requeued ?? 0) + ids.length },
    cursor: ids.at(-1) ?? task.cursor,
    done: ids.length < batchSize,
  };
};
