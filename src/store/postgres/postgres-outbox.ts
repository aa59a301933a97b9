import type { HookEvent } from '../../core/model.js';
import { toEvent, type EventRow } from '../rows.js';
import type { InsertEventResult, NewDelivery } from '../store.js';
import type { Queryable } from './postgres-db.js';
import { INSERT_EVENT, insertEventParams } from './postgres-queue.js';
import { DUE_CHANNEL } from './postgres-channels.js';

/** What the outbox writes through: a `pg` Client or PoolClient (anything with pg's `query`). */
export type OutboxClient = Queryable;

/**
 * The transactional outbox: writes the event and its deliveries through the caller's own
 * connection, inside whatever transaction the caller has open, so they commit or roll back with
 * the caller's own writes. Nothing is retried here: the transaction is the caller's.
 *
 * The wake-up NOTIFY is sent in the same transaction: PostgreSQL delivers it only on commit, so
 * workers hear of exactly the events that exist. (The API's publish notifies after its commit for
 * throughput, see postgres-notify.ts; an outbox write rides on the caller's commit instead.)
 */
export async function insertEventThrough(client: OutboxClient, event: HookEvent, deliveries: NewDelivery[]): Promise<InsertEventResult> {
  const created = await client.query(INSERT_EVENT, insertEventParams(event, deliveries));
  if (created.rows.length === 0) {
    // Cast here: the caller's client may not parse bigint as numbers, as the store's pool does.
    const existing = await client.query<EventRow>(
      `SELECT tenant_id, id, type, data, resource_id, created_at::float8 AS created_at, deliver_at::float8 AS deliver_at
       FROM events WHERE tenant_id = $1 AND id = $2`,
      [event.tenantId, event.id],
    );
    return { created: false, event: toEvent(existing.rows[0]!) };
  }
  if (deliveries.length > 0) await client.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
  return { created: true, event };
}
