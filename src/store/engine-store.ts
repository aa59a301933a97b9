import type { EpochMs, Subscription, Task } from '../core/model.js';
import type { NewDelivery } from './store.js';

/** Which failed deliveries a recovery batch requeues: a subscription's, created in [since, until), after a cursor. */
export interface FailedDeliveryQuery {
  tenantId: string;
  subscriptionId: string;
  since: EpochMs;
  until: EpochMs;
  /** The last delivery id the previous batch reached; null for the first batch. */
  after: string | null;
  limit: number;
}

/** What one step of a task leaves behind. */
export interface TaskProgress {
  progress: Record<string, number>;
  cursor: string | null;
  done: boolean;
  /** The lease is extended to this time while the task runs on. */
  leaseUntil: EpochMs;
}

/**
 * A task's holder, checked in the same transaction as a write it guards: the write goes in only
 * while `owner` still holds the task, and then the task's progress and lease are saved with it.
 */
export interface TaskFence {
  taskId: string;
  owner: string;
  step: TaskProgress;
}

/** The delivery engine's store operations beyond the core queue: secret rotation, background tasks, recovery. */
export interface EngineStore {
  /**
   * Makes `nextSealed` the subscription's secret in one statement. The current secret becomes the
   * previous one, valid until `previousExpiresAt`; with null, no previous secret is kept.
   */
  rotateSubscriptionSecret(
    tenantId: string,
    id: string,
    nextSealed: string,
    previousExpiresAt: EpochMs | null,
    at: EpochMs,
  ): Promise<Subscription | undefined>;

  /** Inserts a task, unless one with the same `requestKey` is running for the tenant: then that one is returned. */
  startTask(task: Task, requestKey: string): Promise<{ created: boolean; task: Task }>;
  getTask(tenantId: string, id: string): Promise<Task | undefined>;
  /** Leases one running task whose lease has expired (or was never taken) to `owner` until `now + leaseMs`. */
  claimTask(owner: string, now: EpochMs, leaseMs: number): Promise<Task | undefined>;
  /** Records a step's progress if `owner` still holds the task; false when the lease was lost. */
  saveTaskProgress(id: string, owner: string, step: TaskProgress, now: EpochMs): Promise<boolean>;

  /**
   * Adds deliveries of a stored event (a resend, a wide fan-out's later part), created at `now`: a
   * leased one in flight to its owner (a hand-off), the rest pending. Wakes dispatchers if some await a claim.
   * With a fence, only while its owner holds its task (one transaction with the task's progress):
   * false when the task was taken over, and then nothing is written.
   */
  insertDeliveries(tenantId: string, eventId: string, deliveries: NewDelivery[], now: EpochMs, fence?: TaskFence): Promise<boolean>;
  /** Which of these subscriptions have a delivery of the event already (a fan-out resumed after a crash skips them). */
  subscriptionsReached(tenantId: string, eventId: string, subscriptionIds: string[]): Promise<Set<string>>;
  /** Cancels the event's deliveries that are pending, never attempted and not due before `now`; returns how many. */
  cancelScheduledDeliveries(tenantId: string, eventId: string, now: EpochMs): Promise<number>;

  /** Makes a batch of failed deliveries due now, in id order; returns the ids requeued (the cursor is the last). Wakes dispatchers. */
  requeueFailedDeliveries(query: FailedDeliveryQuery, now: EpochMs): Promise<string[]>;
}
