// Bulk set-up for the large scenarios: tenants, subscriptions and due deliveries written straight
// into a fresh database with the store's own row import (one transaction per chunk; every column
// of store/tables.ts must be given, since the import skips a row that breaks a constraint), because
// creating 100,000 subscriptions or 1,000,000 deliveries through the API would take longer than
// the measurement. Runs before the server starts on that database.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSecretBox } from '../src/core/secret-box.js';
import { newId } from '../src/core/ids.js';
import type { PlainRow, TableName } from '../src/store/tables.js';
import { importDueBacklog } from './due-backlog.js';
import { SECRET_KEY_HEX, hookpostRoot } from './processes.js';

// The build under test (BENCH_HOOKPOST_ROOT) migrates and fills its own database: a build refuses
// a schema newer than it knows, so seeding with this checkout's store would stop an older build
// from starting as soon as this one adds a migration.
const { createStore } = (await import(pathToFileURL(path.join(hookpostRoot, 'dist/src/store/index.js')).href)) as typeof import('../src/store/index.js');

const CHUNK = 5_000;

/** What to write. */
export interface SeedPlan {
  databaseUrl: string;
  /** Tenants t0 … t(n-1). */
  tenants: number;
  /** Subscriptions of `type` per tenant, all pointing at `url`. */
  subscriptionsPerTenant: number;
  type: string;
  url: string;
  /** Events of tenant t0, each due now for every subscription of t0. */
  dueEvents?: number;
}

export async function seed(plan: SeedPlan): Promise<void> {
  const store = await createStore(plan.databaseUrl);
  await store.migrate();
  const sealed = createSecretBox(Buffer.from(SECRET_KEY_HEX, 'hex')).seal('whsec_' + Buffer.alloc(32, 9).toString('base64'));
  const now = Date.now();
  const rows: Record<string, PlainRow[]> = {};
  const flush = async (table: TableName, force = false) => {
    const pending = rows[table] ?? [];
    if (pending.length >= CHUNK || (force && pending.length > 0)) {
      await store.importRows(table, pending.splice(0));
    }
  };
  const add = async (table: TableName, row: PlainRow) => {
    (rows[table] ??= []).push(row);
    await flush(table);
  };

  for (let t = 0; t < plan.tenants; t++) await add('tenants', { id: `t${t}`, name: `tenant ${t}`, created_at: now, deleted_at: null });
  await flush('tenants', true);
  const firstTenantSubscriptions: string[] = [];
  for (let t = 0; t < plan.tenants; t++) {
    for (let s = 0; s < plan.subscriptionsPerTenant; s++) {
      const id = newId('subscription');
      if (t === 0) firstTenantSubscriptions.push(id);
      await add('subscriptions', {
        id,
        tenant_id: `t${t}`,
        url: plan.url,
        event_types: [plan.type],
        name: null,
        description: null,
        metadata: {},
        headers: {},
        filter: null,
        format: 'native',
        platform_data: {},
        active: true,
        disabled_reason: null,
        sealed_secret: sealed,
        previous_sealed_secret: null,
        previous_secret_expires_at: null,
        signing: 'hmac',
        retry_policy: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        application_id: null,
        uid: null,
        channels: null,
        ordering: 'none',
        rate_limit_per_second: null,
        max_in_flight: null,
      });
      await add('subscription_event_types', { tenant_id: `t${t}`, event_type: plan.type, subscription_id: id });
    }
  }
  await flush('subscriptions', true);
  await flush('subscription_event_types', true);

  await importDueBacklog(store, { tenantId: 't0', type: plan.type, subscriptionIds: firstTenantSubscriptions, events: plan.dueEvents ?? 0, now });
  await store.close();
}
