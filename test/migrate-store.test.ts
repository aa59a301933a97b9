import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer } from './support/server.js';
import { postgresServerUrl, testStores } from './support/stores.js';

const run = promisify(execFile);
const postgres = testStores().find((store) => store.name === 'postgres');

// Moving an embedded installation to PostgreSQL: the real command, in its own process, on a
// SQLite file that a real server filled.
describe.skipIf(!postgresServerUrl())('hookpost migrate-store', () => {
  const secretKey = randomBytes(32).toString('base64');
  const closing: (TestServer | Receiver)[] = [];
  afterAll(async () => {
    await Promise.all(closing.map((c) => c.close()));
  });

  it('copies a SQLite installation into PostgreSQL, where it carries on: same keys, secrets, logs and queue', async () => {
    const receiver = await startReceiver();
    closing.push(receiver);
    const sqlite = await startServer({ env: { HOOKPOST_SECRET_KEY: secretKey } });
    await defineEventType(sqlite, 'store.moved');
    const tenant = await createTenant(sqlite);
    const subscription = await subscribe(sqlite, tenant, { url: receiver.url, event_types: ['store.moved'], metadata: { b: '2', a: '1' } });
    for (let i = 0; i < 5; i += 1) await publish(sqlite, tenant, { type: 'store.moved', data: { n: i, z: 'last', a: 'first' } });
    await receiver.waitFor(5, 60_000);
    const later = await publish(sqlite, tenant, { type: 'store.moved', data: { n: 'later' }, deliver_at: new Date(Date.now() + 3600_000).toISOString() });
    const readAll = async (server: TestServer) => ({
      subscriptions: (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key })).body,
      events: (await call(server, 'GET', `/v1/tenants/${tenant.id}/events?limit=100`, { token: tenant.key })).body,
      deliveries: (await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?limit=100`, { token: tenant.key })).body,
      // Without updated_at: every start re-seeds the compat platforms' catalog, which touches it.
      eventTypes: (await call(server, 'GET', '/v1/event-types?limit=250', { token: server.adminToken })).body.data.map(
        ({ updated_at: _, ...type }: Record<string, unknown>) => type,
      ),
    });
    await eventually(async () => ((await readAll(sqlite)).deliveries.data.filter((d: any) => d.status === 'succeeded').length === 5 ? true : undefined), 60_000);
    const before = await readAll(sqlite);
    await sqlite.close();

    const from = `sqlite:${path.join(sqlite.dataDir, 'hookpost.db')}`;
    const to = await postgres!.freshDatabaseUrl();
    const copy = () => run(process.execPath, ['bin/hookpost.js', 'migrate-store', '--from', from, '--to', to, '--batch-size', '2']);
    const { stdout } = await copy();
    expect(stdout).toMatch(/^tenants: 1 rows$/m);
    expect(stdout).toMatch(/^events: 6 rows$/m);
    expect(stdout).toMatch(/^attempts: 5 rows$/m);
    // Running it again (after an interruption, say) adds nothing twice.
    expect((await copy()).stdout).toMatch(/^deliveries: 6 rows$/m);

    const pg = await startServer({ databaseUrl: to, env: { HOOKPOST_SECRET_KEY: secretKey } });
    closing.push(pg);
    expect(await readAll(pg)).toEqual(before);

    // The queue carries on: the scheduled delivery, sent now, is signed with the secret from before.
    const [scheduled] = (await call(pg, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${later.body.id}`, { token: tenant.key })).body.data;
    expect(scheduled.status).toBe('pending');
    const retried = await call(pg, 'POST', `/v1/tenants/${tenant.id}/deliveries/${scheduled.id}/retry`, { token: tenant.key });
    expect(retried.status).toBe(202);
    const requests = await receiver.waitFor(6, 60_000);
    const last = requests[5]!;
    expect(new Webhook(subscription.secret).verify(last.body, last.headers as Record<string, string>)).toMatchObject({ data: { n: 'later' } });
  }, 120_000);
});
