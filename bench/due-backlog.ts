// A due backlog written straight into a store with its own row import: events of one tenant, each
// due now for every one of the given subscriptions. The benchmarks' seeding and the isolation test
// use it, since publishing a million deliveries through the API would take longer than what they
// measure. Every column of store/tables.ts is given (the import skips a row that breaks a constraint).
import { newId } from '../src/core/ids.js';
import type { Store } from '../src/store/store.js';
import type { PlainRow } from '../src/store/tables.js';

/** Rows per import call: one statement on PostgreSQL, whose parameters (14 a row) must stay under 65,535. */
const CHUNK = 4_000;

export interface DueBacklog {
  tenantId: string;
  type: string;
  subscriptionIds: string[];
  /** Events to write; each has one due delivery per subscription. */
  events: number;
  /** created_at and due_at of every row. */
  now: number;
}

/** Writes the backlog; returns how many deliveries it wrote. */
export async function importDueBacklog(store: Store, backlog: DueBacklog): Promise<number> {
  const { tenantId, type, subscriptionIds, now } = backlog;
  let events: PlainRow[] = [];
  let deliveries: PlainRow[] = [];
  let written = 0;
  const write = async () => {
    // Events first, for the foreign key.
    await store.importRows('events', events);
    for (let i = 0; i < deliveries.length; i += CHUNK) await store.importRows('deliveries', deliveries.slice(i, i + CHUNK));
    written += deliveries.length;
    events = [];
    deliveries = [];
  };
  for (let e = 0; e < backlog.events; e++) {
    const eventId = newId('event');
    events.push({ tenant_id: tenantId, id: eventId, type, data: { order_id: `o_${e}`, note: 'x'.repeat(940) }, resource_id: null, created_at: now, deliver_at: null, application_id: null, uid: null, channels: null, tags: null, ordering_key: null, trace_parent: null });
    for (const subscriptionId of subscriptionIds) {
      deliveries.push({
        id: newId('delivery'),
        tenant_id: tenantId,
        event_id: eventId,
        subscription_id: subscriptionId,
        status: 'pending',
        attempt_count: 0,
        due_at: now,
        lease_owner: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        updated_at: now,
        parked: false,
        ordering_key: null,
      });
    }
    if (deliveries.length >= CHUNK * 5) await write();
  }
  if (events.length > 0) await write();
  return written;
}
