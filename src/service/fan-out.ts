import { randomBytes } from 'node:crypto';
import { newId } from '../core/ids.js';
import type { HookEvent, Subscription, Task } from '../core/model.js';
import { isOrdered } from '../store/new-deliveries.js';
import type { InsertEventResult, NewDelivery, NewEventWrite } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { matchingSubscriptions, newDelivery } from './event-plan.js';
import type { TaskStep } from './tasks.js';

// A wide fan-out (an event to more subscriptions than one part) is written in parts, so that the
// delivery engine sends the first part while the API writes the rest: in one transaction, the
// event, its first part and a task that owns the rest (leased to this writer), then each next part
// in a transaction of its own, handed off as it commits. Written in one transaction, an event to
// 10,000 subscriptions kept the engine waiting for all 10,000 rows (about a tenth of the fan-out's
// time, docs/performance.md, "19th session"). If the writer dies between parts, the task's lease
// runs out and a task runner finishes the fan-out (fanOutStep): nothing the publish matched is lost.

/** How many deliveries each part of a wide fan-out writes (the first part with its event). */
export const FAN_OUT_PART = 500;

// The writer renews it with every part it writes, in that part's transaction (a fence: the part
// goes in only while the writer holds the task), so a runner that takes the task over can never
// write the same deliveries as the writer. After a crash, the rest waits this long for a runner.
const FAN_OUT_LEASE_MS = 5_000;

// This process's writer of fan-outs, the owner of their tasks while it writes them.
const WRITER = `fan-out-${randomBytes(6).toString('hex')}`;

/** A publish's write split for a wide fan-out: the event with its first part and the task, and the parts after it. */
export interface FanOutParts {
  first: NewEventWrite;
  rest: NewDelivery[][];
}

/**
 * `write` as it is written: whole if its deliveries fit in one part, else in parts with a task for
 * the rest. Every ordered delivery goes in the first part, however many there are: written later, a
 * later event's delivery in the same group, committed meanwhile, would be its group's head and be
 * sent first (ORDERED_HEAD, store/ordering-sql.ts, orders the open deliveries that exist).
 */
export function inParts(write: NewEventWrite, now: number): FanOutParts {
  const { event, deliveries } = write;
  if (deliveries.length <= FAN_OUT_PART) return { first: write, rest: [] };
  const ordered = deliveries.filter(isOrdered);
  const unordered = ordered.length === 0 ? deliveries : deliveries.filter((delivery) => !isOrdered(delivery));
  const filled = Math.max(0, FAN_OUT_PART - ordered.length);
  const head = [...ordered, ...unordered.slice(0, filled)];
  const rest: NewDelivery[][] = [];
  for (let start = filled; start < unordered.length; start += FAN_OUT_PART) rest.push(unordered.slice(start, start + FAN_OUT_PART));
  const task: Task = {
    id: newId('task'),
    tenantId: event.tenantId,
    kind: 'fan_out',
    status: 'running',
    params: { event_id: event.id },
    progress: { written: head.length },
    // A runner that takes over goes through every matching subscription, skipping those written.
    cursor: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  return { first: { ...write, deliveries: head, task: { task, requestKey: `fan_out:${event.id}`, lease: { owner: WRITER, until: now + FAN_OUT_LEASE_MS } } }, rest };
}

/**
 * Writes the fan-out's first part with its event through `writeFirst` (the publish's group commit),
 * then, if the event was written, the rest; if it was not (its id existed, or the write failed),
 * the parts after the first give their hand-off room back.
 */
export async function writeInParts(deps: ServiceDeps, parts: FanOutParts, writeFirst: () => Promise<InsertEventResult>): Promise<InsertEventResult> {
  let result: InsertEventResult;
  try {
    result = await writeFirst();
  } catch (error) {
    giveBack(deps, parts.rest);
    throw error;
  }
  if (!result.created) giveBack(deps, parts.rest);
  else if (parts.rest.length > 0) await writeRest(deps, parts);
  return result;
}

/** Parts that will not be written give back the hand-off room their leased deliveries took. */
function giveBack(deps: ServiceDeps, parts: NewDelivery[][]): void {
  for (const part of parts) deps.handoff?.settle(part, false);
}

/**
 * Writes the parts after the first of a fan-out whose event was written, each in its own
 * transaction, handed off as it commits; then marks its task done. If a part fails (or the lease
 * was lost), the parts not written give their hand-off room back and the task is left to a runner.
 */
async function writeRest(deps: ServiceDeps, parts: FanOutParts): Promise<void> {
  const { event } = parts.first;
  const { task } = parts.first.task!;
  let written = parts.first.deliveries.length;
  for (const [i, part] of parts.rest.entries()) {
    // A turn of the event loop between parts: the hand-off of the last one goes out, other requests go on.
    await new Promise((resolve) => setImmediate(resolve));
    const now = deps.now();
    // No cursor: a runner that takes over skips what was written (fanOutStep).
    const step = { progress: { written: written + part.length }, cursor: null, done: false, leaseUntil: now + FAN_OUT_LEASE_MS };
    let held: boolean;
    try {
      held = await deps.store.insertDeliveries(event.tenantId, event.id, part, event.createdAt, { taskId: task.id, owner: WRITER, step });
      // Only after the writer fell a whole lease behind (a stalled process): the runner writes the rest.
      if (!held) deps.warn?.(`a task runner took over event ${event.id}'s fan-out from its writer (task ${task.id})`);
    } catch (error) {
      deps.warn?.(`writing a part of event ${event.id}'s fan-out failed; the task runner finishes it (task ${task.id})`, error);
      held = false;
    }
    if (!held) {
      giveBack(deps, parts.rest.slice(i));
      return;
    }
    deps.handoff?.settle(part, true);
    written += part.length;
  }
  const now = deps.now();
  // Every delivery is written: if marking the task done fails, the publish still succeeded, and the
  // runner that takes the task over finds nothing left to write and marks it done.
  await deps.store.saveTaskProgress(task.id, WRITER, { progress: { written }, cursor: null, done: true, leaseUntil: now }, now).catch(() => false);
}

/**
 * One batch of a fan-out taken over from a writer that died: the next `batchSize` subscriptions
 * (in id order, after the cursor: the last batch's last) that the event matches and that existed
 * when it was published, each given a delivery unless it has one (the writer's parts, written
 * before it died).
 */
export const fanOutStep: TaskStep = async (deps, task, batchSize) => {
  const event = await deps.store.getEvent(task.tenantId, (task.params as { event_id: string }).event_id);
  // Deleted since (retention, the tenant's deletion): nothing is left to deliver.
  if (!event) return { progress: task.progress, cursor: task.cursor, done: true };
  const batch = (await matchingSubscriptions(deps, event))
    .filter((subscription) => (task.cursor === null || subscription.id > task.cursor) && subscription.createdAt <= event.createdAt)
    .slice(0, batchSize);
  const added = await addMissing(deps, event, batch);
  return {
    progress: { ...task.progress, written: (task.progress.written ?? 0) + added },
    cursor: batch.at(-1)?.id ?? task.cursor,
    done: batch.length < batchSize,
  };
};

/** Adds a delivery of the event, due now, for each of `subscriptions` that has none yet; returns how many. */
async function addMissing(deps: ServiceDeps, event: HookEvent, subscriptions: Subscription[]): Promise<number> {
  if (subscriptions.length === 0) return 0;
  const reached = await deps.store.subscriptionsReached(event.tenantId, event.id, subscriptions.map((subscription) => subscription.id));
  const now = deps.now();
  const dueAt = Math.max(now, event.deliverAt ?? now);
  const deliveries = subscriptions.filter((subscription) => !reached.has(subscription.id)).map((subscription) => newDelivery(subscription, event, dueAt));
  if (deliveries.length > 0) await deps.store.insertDeliveries(event.tenantId, event.id, deliveries, now);
  return deliveries.length;
}
