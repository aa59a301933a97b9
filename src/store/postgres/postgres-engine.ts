import type { Subscription, Task } from '../../core/model.js';
import type { FailedDeliveryQuery, TaskFence, TaskProgress } from '../engine-store.js';
import type { NewDelivery } from '../store.js';
import { fromTask, toSubscription, toTask, type SubscriptionRow, type TaskRow } from '../rows.js';
import type { PostgresDb } from './postgres-db.js';
import type { DueNotifier } from './postgres-notify.js';
import { HANDED_OFF_STATUS } from './postgres-queue.js';
import { placeholders, toParams } from './postgres-rows.js';
import { awaitsClaim, dueAtOf } from '../new-deliveries.js';

// The old secret moves aside in the same statement that writes the new one, so two rotations at
// once cannot both keep the same old secret.
const ROTATE_SECRET = `
  UPDATE subscriptions SET
    previous_sealed_secret = CASE WHEN $3::bigint IS NULL THEN NULL ELSE sealed_secret END,
    previous_secret_expires_at = $3, sealed_secret = $4, updated_at = $5
  WHERE tenant_id = $1 AND id = $2 RETURNING *`;

const TASK_COLUMNS = [
  'id',
  'tenant_id',
  'kind',
  'request_key',
  'status',
  'params',
  'progress',
  'cursor',
  'lease_owner',
  'lease_until',
  'created_at',
  'updated_at',
  'finished_at',
] as const;
// ON CONFLICT: the partial unique index lets one running task per (tenant, request key).
const INSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${placeholders(TASK_COLUMNS.length)})
  ON CONFLICT DO NOTHING RETURNING id`;
const RUNNING_BY_KEY = `SELECT * FROM tasks WHERE tenant_id = $1 AND request_key = $2 AND status = 'running'`;

// SKIP LOCKED: runners in several processes each take a different task.
const CLAIM_TASK = `
  UPDATE tasks SET lease_owner = $1, lease_until = $3
  WHERE id = (SELECT id FROM tasks WHERE status = 'running' AND lease_until <= $2
              ORDER BY lease_until, id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING *`;

/** A step's progress saved if the owner still holds the task; its eight parameters numbered from $`first`. */
const saveTaskSql = (first: number) => {
  const [id, owner, progress, cursor, status, finishedAt, leaseUntil, now] = Array.from({ length: 8 }, (_, i) => `$${first + i}`);
  return `UPDATE tasks SET progress = ${progress}, cursor = ${cursor}, status = ${status}, finished_at = ${finishedAt}, lease_until = ${leaseUntil}, updated_at = ${now}
  WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running' RETURNING id`;
};
const SAVE_TASK = saveTaskSql(1);

const REQUEUE_FAILED = `
  UPDATE deliveries SET status = 'pending', due_at = $7, lease_owner = NULL, updated_at = $7
  WHERE id IN (
    SELECT id FROM deliveries
    WHERE subscription_id = $2 AND status = 'failed' AND id > $3
      AND tenant_id = $1 AND created_at >= $4 AND created_at < $5
    ORDER BY id LIMIT $6)
  AND status = 'failed'
  RETURNING id`;

/** Deliveries of one event ($1, $2) created at $3, from arrays ($4–$8), where `condition` holds. */
const insertDeliveriesSql = (condition = 'true') => `
  INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, due_at, created_at, updated_at, ordering_key, lease_owner)
  SELECT d.id, $1, $2, d.subscription_id, ${HANDED_OFF_STATUS}, 0, d.due_at, $3, $3, d.ordering_key, d.lease_owner
  FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS d(id, subscription_id, due_at, ordering_key, lease_owner)
  WHERE ${condition}
  ON CONFLICT (id) DO NOTHING`;
const INSERT_DELIVERIES = insertDeliveriesSql();
// The same, in one statement with the task's step ($9–$16), only while the fence's owner holds the
// task: the row lock the UPDATE takes orders it against a runner's claim (CLAIM_TASK).
const FENCED_INSERT_DELIVERIES = `
  WITH held AS (${saveTaskSql(9)}),
  written AS (${insertDeliveriesSql('EXISTS (SELECT 1 FROM held)')})
  SELECT id FROM held`;

const REACHED = `SELECT DISTINCT subscription_id FROM deliveries WHERE tenant_id = $1 AND event_id = $2 AND subscription_id = ANY($3::text[])`;

// Only deliveries not yet due can be cancelled: a due one may already be claimed or sent.
const CANCEL_SCHEDULED = `
  UPDATE deliveries SET status = 'cancelled', due_at = NULL, updated_at = $3
  WHERE tenant_id = $1 AND event_id = $2 AND status = 'pending' AND attempt_count = 0 AND due_at > $3
  RETURNING id`;

/** A step's parameters after the task's id and owner in saveTaskSql. */
const stepParams = (step: TaskProgress, now: number) => [JSON.stringify(step.progress), step.cursor, step.done ? 'done' : 'running', step.done ? now : null, step.leaseUntil, now];

/** Secret rotation, background tasks and recovery on PostgreSQL. */
export class PostgresEngine {
  readonly #db: PostgresDb;
  readonly #notifier: DueNotifier;

  constructor(db: PostgresDb, notifier: DueNotifier) {
    this.#db = db;
    this.#notifier = notifier;
  }

  async rotateSubscriptionSecret(tenantId: string, id: string, next: string, expiresAt: number | null, at: number): Promise<Subscription | undefined> {
    const [row] = await this.#db.rows<SubscriptionRow>(ROTATE_SECRET, [tenantId, id, expiresAt, next, at]);
    return row && toSubscription(row);
  }

  async startTask(task: Task, requestKey: string): Promise<{ created: boolean; task: Task }> {
    const row = fromTask(task, requestKey);
    // The running task that conflicted may finish before we read it: then insert again.
    for (;;) {
      const inserted = await this.#db.rows(INSERT_TASK, toParams('tasks', { ...row }, TASK_COLUMNS));
      if (inserted.length > 0) return { created: true, task };
      const [running] = await this.#db.rows<TaskRow>(RUNNING_BY_KEY, [task.tenantId, requestKey]);
      if (running) return { created: running.id === task.id, task: toTask(running) };
    }
  }

  async getTask(tenantId: string, id: string): Promise<Task | undefined> {
    const [row] = await this.#db.rows<TaskRow>('SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return row && toTask(row);
  }

  async claimTask(owner: string, now: number, leaseMs: number): Promise<Task | undefined> {
    const [row] = await this.#db.rows<TaskRow>(CLAIM_TASK, [owner, now, now + leaseMs]);
    return row && toTask(row);
  }

  async saveTaskProgress(id: string, owner: string, step: TaskProgress, now: number): Promise<boolean> {
    const saved = await this.#db.rows(SAVE_TASK, [id, owner, ...stepParams(step, now)]);
    return saved.length > 0;
  }

  async insertDeliveries(tenantId: string, eventId: string, deliveries: NewDelivery[], now: number, fence?: TaskFence): Promise<boolean> {
    if (deliveries.length === 0 && !fence) return true;
    const params = [
      tenantId,
      eventId,
      now,
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.subscriptionId),
      deliveries.map(dueAtOf),
      deliveries.map((d) => d.orderingKey ?? null),
      deliveries.map((d) => d.lease?.owner ?? null),
    ];
    if (fence) {
      const held = await this.#db.rows(FENCED_INSERT_DELIVERIES, [...params, fence.taskId, fence.owner, ...stepParams(fence.step, now)]);
      if (held.length === 0) return false;
    } else {
      await this.#db.rows(INSERT_DELIVERIES, params);
    }
    if (awaitsClaim(deliveries)) this.#notifier.poke();
    return true;
  }

  async subscriptionsReached(tenantId: string, eventId: string, subscriptionIds: string[]): Promise<Set<string>> {
    const rows = await this.#db.rows<{ subscription_id: string }>(REACHED, [tenantId, eventId, subscriptionIds]);
    return new Set(rows.map((row) => row.subscription_id));
  }

  async cancelScheduledDeliveries(tenantId: string, eventId: string, now: number): Promise<number> {
    return (await this.#db.rows(CANCEL_SCHEDULED, [tenantId, eventId, now])).length;
  }

  async requeueFailedDeliveries(query: FailedDeliveryQuery, now: number): Promise<string[]> {
    const rows = await this.#db.rows<{ id: string }>(REQUEUE_FAILED, [
      query.tenantId,
      query.subscriptionId,
      query.after ?? '',
      query.since,
      query.until,
      query.limit,
      now,
    ]);
    if (rows.length > 0) this.#notifier.poke();
    // RETURNING does not promise the scan's order.
    return rows.map((r) => r.id).sort();
  }
}
