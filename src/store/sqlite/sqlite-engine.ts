import type Database from 'better-sqlite3';
import type { Subscription, Task } from '../../core/model.js';
import type { FailedDeliveryQuery, TaskFence, TaskProgress } from '../engine-store.js';
import type { NewDelivery } from '../store.js';
import { toTask, type TaskRow } from '../rows.js';
import { awaitsClaim } from '../new-deliveries.js';
import { prepareInsertDelivery, prepareInsertTask } from './sqlite-queue.js';
import { decodeRow, toSubscription, type DbSubscription } from './sqlite-rows.js';

/** Secret rotation, background tasks and recovery on SQLite. Statements are prepared once. */
export type SqliteEngine = ReturnType<typeof createSqliteEngine>;

/** Prepares the statements on a migrated database; `wake` tells dispatchers that deliveries came due. */
export function createSqliteEngine(db: Database.Database, wake: () => void) {
  // The old secret moves aside in the same statement that writes the new one, so two rotations
  // at once cannot both keep the same old secret.
  const rotate = db.prepare(
    `UPDATE subscriptions SET
       previous_sealed_secret = CASE WHEN @expiresAt IS NULL THEN NULL ELSE sealed_secret END,
       previous_secret_expires_at = @expiresAt, sealed_secret = @next, updated_at = @at
     WHERE tenant_id = @tenantId AND id = @id RETURNING *`,
  );
  const insertTask = prepareInsertTask(db);
  const runningByKey = db.prepare(`SELECT * FROM tasks WHERE tenant_id = ? AND request_key = ? AND status = 'running'`);
  const selectTask = db.prepare('SELECT * FROM tasks WHERE tenant_id = ? AND id = ?');
  const claimTask = db.prepare(
    `UPDATE tasks SET lease_owner = @owner, lease_until = @until
     WHERE id = (SELECT id FROM tasks WHERE status = 'running' AND lease_until <= @now ORDER BY lease_until, id LIMIT 1)
     RETURNING *`,
  );
  const saveTask = db.prepare(
    `UPDATE tasks SET progress = @progress, cursor = @cursor, status = @status, finished_at = @finishedAt,
       lease_until = @leaseUntil, updated_at = @now
     WHERE id = @id AND lease_owner = @owner AND status = 'running'`,
  );
  const requeueFailed = db.prepare(
    `UPDATE deliveries SET status = 'pending', due_at = @now, lease_owner = NULL, updated_at = @now
     WHERE id IN (
       SELECT id FROM deliveries
       WHERE subscription_id = @subscriptionId AND status = 'failed' AND id > @after
         AND tenant_id = @tenantId AND created_at >= @since AND created_at < @until
       ORDER BY id LIMIT @limit)
     RETURNING id`,
  );

  const saveProgress = (id: string, owner: string, step: TaskProgress, now: number): boolean =>
    saveTask.run({
      id,
      owner,
      progress: JSON.stringify(step.progress),
      cursor: step.cursor,
      status: step.done ? 'done' : 'running',
      finishedAt: step.done ? now : null,
      leaseUntil: step.leaseUntil,
      now,
    }).changes > 0;
  const insertDelivery = prepareInsertDelivery(db);
  const insertDeliveries = db.transaction((tenantId: string, eventId: string, deliveries: NewDelivery[], now: number, fence?: TaskFence): boolean => {
    if (fence && !saveProgress(fence.taskId, fence.owner, fence.step, now)) return false;
    for (const d of deliveries) insertDelivery(tenantId, eventId, d, now);
    return true;
  });
  const reached = db.prepare(
    `SELECT DISTINCT subscription_id FROM deliveries
     WHERE tenant_id = ? AND event_id = ? AND subscription_id IN (SELECT value FROM json_each(?))`,
  ).pluck();
  // Only deliveries not yet due can be cancelled: a due one may already be claimed or sent.
  const cancelScheduled = db.prepare(
    `UPDATE deliveries SET status = 'cancelled', due_at = NULL, updated_at = @now
     WHERE tenant_id = @tenantId AND event_id = @eventId AND status = 'pending' AND attempt_count = 0 AND due_at > @now`,
  );

  // The insert and the read of a conflicting task share the write lock, so that task is still there.
  const startTask = db.transaction((t: Task, requestKey: string): { created: boolean; task: Task } => {
    if (insertTask(t, requestKey)) return { created: true, task: t };
    return { created: false, task: task(runningByKey.get(t.tenantId, requestKey)) };
  });

  const task = (row: unknown) => toTask(decodeRow<TaskRow>('tasks', row as Record<string, unknown>));

  return {
    rotateSubscriptionSecret(tenantId: string, id: string, next: string, expiresAt: number | null, at: number): Subscription | undefined {
      const row = rotate.get({ tenantId, id, next, expiresAt, at }) as DbSubscription | undefined;
      return row && toSubscription(row);
    },

    startTask(t: Task, requestKey: string): { created: boolean; task: Task } {
      return startTask(t, requestKey);
    },

    getTask(tenantId: string, id: string): Task | undefined {
      const row = selectTask.get(tenantId, id);
      return row === undefined ? undefined : task(row);
    },

    claimTask(owner: string, now: number, leaseMs: number): Task | undefined {
      const row = claimTask.get({ owner, now, until: now + leaseMs });
      return row === undefined ? undefined : task(row);
    },

    saveTaskProgress: saveProgress,

    insertDeliveries(tenantId: string, eventId: string, deliveries: NewDelivery[], now: number, fence?: TaskFence): boolean {
      if (!insertDeliveries(tenantId, eventId, deliveries, now, fence)) return false;
      if (awaitsClaim(deliveries)) wake();
      return true;
    },

    subscriptionsReached(tenantId: string, eventId: string, subscriptionIds: string[]): Set<string> {
      return new Set(reached.all(tenantId, eventId, JSON.stringify(subscriptionIds)) as string[]);
    },

    cancelScheduledDeliveries(tenantId: string, eventId: string, now: number): number {
      return cancelScheduled.run({ tenantId, eventId, now }).changes;
    },

    requeueFailedDeliveries(query: FailedDeliveryQuery, now: number): string[] {
      const rows = requeueFailed.all({ ...query, after: query.after ?? '', now }) as { id: string }[];
      if (rows.length > 0) wake();
      // RETURNING does not promise the scan's order.
      return rows.map((r) => r.id).sort();
    },
  };
}
