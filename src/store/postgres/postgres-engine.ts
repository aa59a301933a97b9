import type { Subscription, Task } from '../../core/model.js';
import type { FailedDeliveryQuery, TaskProgress } from '../engine-store.js';
import { fromTask, toSubscription, toTask, type SubscriptionRow, type TaskRow } from '../rows.js';
import type { PostgresDb } from './postgres-db.js';
import type { DueNotifier } from './postgres-notify.js';
import { placeholders, toParams } from './postgres-rows.js';

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

const SAVE_TASK = `
  UPDATE tasks SET progress = $3, cursor = $4, status = $5, finished_at = $6, lease_until = $7, updated_at = $8
  WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`;

const REQUEUE_FAILED = `
  UPDATE deliveries SET status = 'pending', due_at = $7, lease_owner = NULL, updated_at = $7
  WHERE id IN (
    SELECT id FROM deliveries
    WHERE subscription_id = $2 AND status = 'failed' AND id > $3
      AND tenant_id = $1 AND created_at >= $4 AND created_at < $5
    ORDER BY id LIMIT $6)
  AND status = 'failed'
  RETURNING id`;

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
    const saved = await this.#db.rows(SAVE_TASK, [
      id,
      owner,
      JSON.stringify(step.progress),
      step.cursor,
      step.done ? 'done' : 'running',
      step.done ? now : null,
      step.leaseUntil,
      now,
    ]);
    return saved.length > 0;
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
