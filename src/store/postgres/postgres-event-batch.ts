import type { HookEvent } from '../../core/model.js';
import type { InsertEventResult, NewEventWrite } from '../store.js';
import type { PostgresDb } from './postgres-db.js';
import type { DueNotifier } from './postgres-notify.js';
import { awaitsClaim, dueAtOf } from '../new-deliveries.js';
import { HANDED_OFF_STATUS } from './postgres-queue.js';
import { fromTask, toEvent, type EventRow } from '../rows.js';

/**
 * Many events and all their deliveries in one statement, so one round trip and one commit serve
 * a whole group of publishes. Events whose id exists are skipped (ON CONFLICT), and only the
 * deliveries and tasks (a wide fan-out's) of the events actually inserted are written (the joins on `inserted`).
 */
const INSERT_EVENTS = `
  WITH inserted AS (
    INSERT INTO events (tenant_id, id, type, data, resource_id, created_at, deliver_at, application_id, uid, channels, tags, ordering_key, trace_parent)
    SELECT e.tenant_id, e.id, e.type, e.data::json, e.resource_id, e.created_at, e.deliver_at,
      e.application_id, e.uid, e.channels::jsonb, e.tags::jsonb, e.ordering_key, e.trace_parent
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
        $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $19::text[])
      AS e(tenant_id, id, type, data, resource_id, created_at, deliver_at, application_id, uid, channels, tags, ordering_key, trace_parent)
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, id, created_at
  ), fanned_out AS (
    INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, due_at, created_at, updated_at, ordering_key, lease_owner)
    SELECT d.id, i.tenant_id, i.id, d.subscription_id, ${HANDED_OFF_STATUS}, 0, d.due_at, i.created_at, i.created_at, d.ordering_key, d.lease_owner
    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $18::text[], $20::text[])
      AS d(tenant_id, event_id, id, subscription_id, due_at, ordering_key, lease_owner)
    JOIN inserted i ON i.tenant_id = d.tenant_id AND i.id = d.event_id
  ), tasks_started AS (
    -- Each task's row as JSON, read into the table's own row type: no column list to keep in step.
    INSERT INTO tasks
    SELECT (jsonb_populate_record(NULL::tasks, t.task)).*
    FROM unnest($21::text[], $22::text[], $23::jsonb[]) AS t(tenant_id, event_id, task)
    JOIN inserted i ON i.tenant_id = t.tenant_id AND i.id = t.event_id
    ON CONFLICT DO NOTHING
  )
  SELECT tenant_id, id FROM inserted`;

const SELECT_EVENTS = `
  SELECT e.* FROM events e
  JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, id) ON e.tenant_id = k.tenant_id AND e.id = k.id`;

const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

/** Writes a group of events in one round trip; see `Store.insertEvents`. */
export async function insertEvents(db: PostgresDb, notifier: DueNotifier, items: NewEventWrite[]): Promise<InsertEventResult[]> {
  // An id repeated within the group is written once, by its first item.
  const first = new Map<string, NewEventWrite>();
  for (const item of items) {
    const key = keyOf(item.event.tenantId, item.event.id);
    if (!first.has(key)) first.set(key, item);
  }
  const unique = [...first.values()];
  const deliveries = unique.flatMap((item) => item.deliveries.map((d) => ({ ...d, event: item.event })));
  const started = unique.filter((item) => item.task !== undefined);
  const inserted = await db.rows<{ tenant_id: string; id: string }>(INSERT_EVENTS, [
    unique.map((i) => i.event.tenantId),
    unique.map((i) => i.event.id),
    unique.map((i) => i.event.type),
    unique.map((i) => JSON.stringify(i.event.data)),
    unique.map((i) => i.event.resourceId),
    unique.map((i) => i.event.createdAt),
    unique.map((i) => i.event.deliverAt),
    deliveries.map((d) => d.event.tenantId),
    deliveries.map((d) => d.event.id),
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.subscriptionId),
    deliveries.map(dueAtOf),
    unique.map((i) => i.event.applicationId ?? null),
    unique.map((i) => i.event.uid ?? null),
    unique.map((i) => (i.event.channels ? JSON.stringify(i.event.channels) : null)),
    unique.map((i) => (i.event.tags ? JSON.stringify(i.event.tags) : null)),
    unique.map((i) => i.event.orderingKey ?? null),
    deliveries.map((d) => d.orderingKey ?? null),
    unique.map((i) => i.event.traceParent ?? null),
    deliveries.map((d) => d.lease?.owner ?? null),
    started.map((i) => i.event.tenantId),
    started.map((i) => i.event.id),
    started.map((i) => JSON.stringify(fromTask(i.task!.task, i.task!.requestKey, i.task!.lease))),
  ]);
  const created = new Set(inserted.map((row) => keyOf(row.tenant_id, row.id)));
  if (unique.some((item) => created.has(keyOf(item.event.tenantId, item.event.id)) && awaitsClaim(item.deliveries))) notifier.poke();

  const stored = new Map<string, HookEvent>();
  const missing = unique.filter((item) => !created.has(keyOf(item.event.tenantId, item.event.id)));
  if (missing.length > 0) {
    const rows = await db.rows<EventRow>(SELECT_EVENTS, [missing.map((i) => i.event.tenantId), missing.map((i) => i.event.id)]);
    for (const row of rows) stored.set(keyOf(row.tenant_id, row.id), toEvent(row));
  }
  return items.map((item) => {
    const key = keyOf(item.event.tenantId, item.event.id);
    if (first.get(key) === item && created.has(key)) return { created: true, event: item.event };
    const existing = stored.get(key) ?? (created.has(key) ? first.get(key)!.event : undefined);
    // Skipped, and no event has its id: ON CONFLICT met its uid (events_by_uid), held by another event.
    return existing ? { created: false, event: existing } : { created: false, event: item.event, uidTaken: true };
  });
}
