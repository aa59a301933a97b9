import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import { DEFAULT_RETRY, PostgresDb } from '../src/store/postgres/postgres-db.js';
import { LOCK_CIRCUITS } from '../src/store/postgres/postgres-queue.js';
import { DELETE_EXPIRED_EVENTS, LIST_EVENTS } from '../src/store/postgres/postgres-store.js';
import { postgresServerUrl, testStores } from './support/stores.js';

// Two causes of slow PostgreSQL publishing (issue 9, docs/performance.md), each checked on a real
// database: what the planner does with the foreign-key check every delivery runs, and which row
// locks a publish and an outcome batch take on the subscription they share.

const postgres = testStores().find((store) => store.name === 'postgres');
const NOW = 1_700_000_000_000;

// The statement PostgreSQL itself runs (ri_triggers.c) to check deliveries (tenant_id, event_id)
// → events on each delivery written; it plans it once per connection, as a generic plan.
const EVENT_KEY_CHECK =
  'SELECT 1 FROM ONLY "public"."events" x WHERE "tenant_id" OPERATOR(pg_catalog.=) $1 AND "id" OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x';

describe.skipIf(!postgresServerUrl())('PostgreSQL publishes under load', () => {
  let databaseUrl: string;
  let store: Store;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    databaseUrl = await postgres!.freshDatabaseUrl();
    store = await createStore(databaseUrl, { queue: { perSubscriptionClaims: 8, circuit: { failureThreshold: 3, cooldownMs: 60_000, disableAfterMs: 86_400_000 } } });
    await store.migrate();
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    while (clients.length > 0) await clients.pop()!.end();
  });

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  }

  async function plan(client: pg.Client, sql: string, types: string, values: unknown[]): Promise<string> {
    const name = `p_${clients.length}_${Math.random().toString(36).slice(2, 8)}`;
    await client.query(`PREPARE ${name}(${types}) AS ${sql}`);
    // EXECUTE takes no bind parameters: the values go in as literals.
    const literals = values.map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : client.escapeLiteral(String(v))));
    const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(${literals.join(', ')})`)).rows;
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('checks a delivery’s event through the primary key even while the events table is empty and never analysed', async () => {
    // A fresh database: the state in which each new connection makes the plan it then keeps.
    const client = await connect();
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
    expect(rows[0]!.n).toBe(0);
    await client.query('SET plan_cache_mode = force_generic_plan');
    const check = await plan(client, EVENT_KEY_CHECK, 'text, text', ['ten_x', 'evt_x']);
    // Before migration 0014 this was "Index Scan using events_by_time … Filter: (id = $2)": a pass
    // over the tenant's whole history for each delivery.
    expect(check).toContain('events_pkey');
    expect(check).not.toContain('events_by_time');
  });

  it('still lists and expires events through events_by_time', async () => {
    const client = await connect();
    await client.query('SET enable_seqscan = off');
    expect(await plan(client, LIST_EVENTS, 'text, bigint, text, int', ['ten_x', null, null, 50])).toContain('events_by_time');
    expect(await plan(client, DELETE_EXPIRED_EVENTS, 'text, bigint, int', ['ten_x', NOW, 100])).toContain('events_by_time');
  });

  it('commits a lazy transaction without waiting for the flush, and the connection goes back to the pool flushing again', async () => {
    // One connection, so the statement after the transaction runs on the very same session.
    const db = new PostgresDb({ connectionString: databaseUrl, poolSize: 1, retry: DEFAULT_RETRY, warn: () => undefined });
    try {
      const inside = await db.transaction(async (client) => (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit, 'lazy');
      expect(inside).toBe('off');
      // Publishes share these connections: the setting must end with the transaction (SET LOCAL).
      expect((await db.rows<{ synchronous_commit: string }>('SHOW synchronous_commit'))[0]!.synchronous_commit).toBe('on');
      const durable = await db.transaction(async (client) => (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit);
      expect(durable).toBe('on');
    } finally {
      await db.close();
    }
  });

  it('lets an outcome batch lock a subscription’s circuit while a publish to it is uncommitted, and outcome batches still take turns', async () => {
    const tenantId = newId('tenant');
    await store.insertTenant({ id: tenantId, name: 'Acme', createdAt: NOW });
    const subscription: Subscription = {
      id: newId('subscription'), tenantId, url: 'https://example.com/hook', eventTypes: ['order.created'], name: null, description: null,
      metadata: {}, headers: {}, filter: null, format: 'native', platformData: {}, active: true, disabledReason: null,
      sealedSecret: 'sealed', previousSealedSecret: null, previousSecretExpiresAt: null, signing: 'hmac', retryPolicy: null, createdAt: NOW, updatedAt: NOW,
    };
    await store.insertSubscription(subscription);
    const publisher = await connect();
    const outcomes = await connect();
    const otherOutcomes = await connect();

    // A publish in progress: its delivery's foreign-key check holds FOR KEY SHARE on the subscription.
    const eventId = newId('event');
    await publisher.query('BEGIN');
    await publisher.query("INSERT INTO events (tenant_id, id, type, data, created_at) VALUES ($1, $2, 'order.created', '{}', $3)", [tenantId, eventId, NOW]);
    await publisher.query(
      "INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, status, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5)",
      [newId('delivery'), tenantId, eventId, subscription.id, NOW],
    );

    // NOWAIT: a conflicting lock fails at once (55P03) instead of waiting for the publish to commit.
    await outcomes.query('BEGIN');
    const locked = await outcomes.query<{ id: string }>(`${LOCK_CIRCUITS} NOWAIT`, [[subscription.id]]);
    expect(locked.rows.map((row) => row.id)).toEqual([subscription.id]);

    // A second outcome batch for the same subscription must wait for the first.
    await otherOutcomes.query('BEGIN');
    await expect(otherOutcomes.query(`${LOCK_CIRCUITS} NOWAIT`, [[subscription.id]])).rejects.toMatchObject({ code: '55P03' });

    await otherOutcomes.query('ROLLBACK');
    await outcomes.query('ROLLBACK');
    await publisher.query('ROLLBACK');
  });
});
