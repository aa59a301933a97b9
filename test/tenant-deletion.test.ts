import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// DELETE /v1/tenants/{tenant}: the tenant's keys stop working, its subscriptions stop receiving
// and its pending deliveries are never sent, from the answer on; other tenants are untouched.
describeEachStore('deleting a tenant', (store) => {
  let server: TestServer;
  let doomedReceiver: Receiver;
  let keptReceiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    doomedReceiver = await startReceiver();
    keptReceiver = await startReceiver();
    await defineEventType(server, 'invoice.paid');
  });
  afterAll(async () => {
    await server.close();
    await doomedReceiver.close();
    await keptReceiver.close();
  });

  const admin = () => ({ token: server.adminToken });

  it('revokes its keys, stops its subscriptions and never sends its pending deliveries', async () => {
    const doomed = await createTenant(server);
    const kept = await createTenant(server);
    const doomedSubscription = await subscribe(server, doomed, { url: doomedReceiver.url, event_types: ['invoice.paid'] });
    await subscribe(server, kept, { url: keptReceiver.url, event_types: ['invoice.paid'] });

    // Due in 3 s: pending when the tenant is deleted.
    const dueAt = new Date(Date.now() + 3_000).toISOString();
    const pending = await publish(server, doomed, { type: 'invoice.paid', data: { n: 1 }, deliver_at: dueAt });
    expect(pending.status).toBe(202);

    const deleted = await call(server, 'DELETE', `/v1/tenants/${doomed.id}`, admin());
    expect(deleted.status).toBe(204);

    // Its key is refused on the very next request, on every route.
    const afterwards = await publish(server, doomed, { type: 'invoice.paid', data: { n: 2 } });
    expect(afterwards.status).toBe(401);
    expect((await call(server, 'GET', `/v1/tenants/${doomed.id}/subscriptions`, { token: doomed.key })).status).toBe(401);

    // The other tenant's delivery, due at the same moment, arrives: by then the deleted tenant's was due too.
    expect((await publish(server, kept, { type: 'invoice.paid', data: { n: 3 }, deliver_at: dueAt })).status).toBe(202);
    const [keptDelivery] = await keptReceiver.waitFor(1, 20_000);
    expect(JSON.parse(keptDelivery!.body).data).toEqual({ n: 3 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(doomedReceiver.requests).toEqual([]);

    // Its history stays readable by an admin; the subscription itself is gone.
    expect((await call(server, 'GET', `/v1/tenants/${doomed.id}/events/${pending.body.id}`, admin())).status).toBe(200);
    expect((await call(server, 'GET', `/v1/tenants/${doomed.id}/subscriptions/${doomedSubscription.id}`, admin())).status).toBe(404);
    const audit = await call(server, 'GET', `/v1/audit-log?tenant_id=${doomed.id}`, admin());
    expect(audit.body.data.map((entry: { action: string }) => entry.action)).toContain('tenant.deleted');

    // The other tenant's key still works.
    expect((await call(server, 'GET', `/v1/tenants/${kept.id}/subscriptions`, { token: kept.key })).status).toBe(200);
  });

  it('hides the tenant from an admin, refuses new data for it, and keeps its id taken', async () => {
    const doomed = await createTenant(server);
    expect((await call(server, 'DELETE', `/v1/tenants/${doomed.id}`, admin())).status).toBe(204);

    expect((await call(server, 'GET', `/v1/tenants/${doomed.id}`, admin())).status).toBe(404);
    const listed = await call(server, 'GET', '/v1/tenants?limit=250', admin());
    expect(listed.body.data.map((tenant: { id: string }) => tenant.id)).not.toContain(doomed.id);
    expect((await call(server, 'POST', `/v1/tenants/${doomed.id}/events`, { ...admin(), body: { type: 'invoice.paid', data: {} } })).status).toBe(404);
    expect((await call(server, 'POST', `/v1/tenants/${doomed.id}/api-keys`, { ...admin(), body: {} })).status).toBe(404);
    expect(
      (await call(server, 'POST', `/v1/tenants/${doomed.id}/subscriptions`, { ...admin(), body: { url: doomedReceiver.url, event_types: ['invoice.paid'] } })).status,
    ).toBe(404);
    expect((await call(server, 'POST', '/v1/tenants', { ...admin(), body: { id: doomed.id, name: 'Again' } })).status).toBe(409);
    // Deleting it again, or a tenant that never was, is not_found.
    const again = await call(server, 'DELETE', `/v1/tenants/${doomed.id}`, admin());
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
    expect((await call(server, 'DELETE', '/v1/tenants/never_was', admin())).status).toBe(404);
  });

  it('is for credentials bound to no tenant: a tenant key may not delete its own tenant', async () => {
    const tenant: TestTenant = await createTenant(server);
    const refused = await call(server, 'DELETE', `/v1/tenants/${tenant.id}`, { token: tenant.key });
    expect(refused.status).toBe(403);
    expect((await call(server, 'GET', `/v1/tenants/${tenant.id}`, admin())).status).toBe(200);
    expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key })).status).toBe(200);
  });

  it('answers a malformed tenant id with 400', async () => {
    const response = await call(server, 'DELETE', `/v1/tenants/${'x'.repeat(65)}`, admin());
    expect(response.status).toBe(400);
  });
});
