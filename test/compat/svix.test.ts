import { describe, expect, it } from 'vitest';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver.js';
import { call, createTenant, eventually, startServer, type TestServer, type TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { usePlatformFixture } from './shared-harness.js';
import { failureOf, SDK_LINES, type SdkLine } from './svix-sdk.js';

// The official svix package, both lines, drives Hookpost through /compat/svix exactly as an
// application would drive Svix: only serverUrl changes. Each delivery is verified with the SDK's
// own Webhook class.

describeEachStore('Svix compat with the official SDK', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  for (const line of SDK_LINES) {
    describe(`svix ${line.name}`, () => {
      const client = (options: { fetch?: typeof fetch; serverUrl?: string } = {}) =>
        new line.Svix(tenant.key, { serverUrl: options.serverUrl ?? `${server.url}/compat/svix`, retryScheduleInMs: [20, 40], ...options });
      // The SDK's Webhook class throws unless the signature is right (2.x returns nothing, 1.x the payload).
      const verified = (secret: string, request: ReceivedRequest) => {
        new line.Webhook(secret).verify(request.body, request.headers as Record<string, string>);
        return JSON.parse(request.body) as Record<string, unknown>;
      };
      const toReceiver = (path: string) => receiver.url.replace('/hook', path);
      const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);
      // The rate the core enforces for the endpoint at `url`: its subscription's, read through the native API.
      const nativeRate = async (url: string): Promise<number | null> => {
        const page = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key });
        return page.body.data.find((s: { url: string }) => s.url === url).rate_limit_per_second;
      };

      it('answers health and manages applications: create, 409 on a taken uid, getOrCreate, get by id or uid, list with iterators, update, delete', async () => {
        const svix = client();
        await expect(svix.health.get()).resolves.toBeFalsy();
        const app = await svix.application.create({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' } });
        expect(app.id).toMatch(/^app_/);
        expect(app).toMatchObject({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' } });
        expect(app.createdAt).toBeInstanceOf(Date);

        const taken = await failureOf(svix.application.create({ name: 'Again', uid: 'acme' }));
        expect(taken.code).toBe(409);
        expect(taken.body).toMatchObject({ code: 'conflict' });
        expect((await svix.application.getOrCreate({ name: 'Ignored', uid: 'acme' })).id).toBe(app.id);
        const fresh = await svix.application.getOrCreate({ name: 'Beta', uid: 'beta' });
        expect(fresh.id).not.toBe(app.id);

        expect((await svix.application.get('acme')).id).toBe(app.id);
        expect((await svix.application.get(app.id)).uid).toBe('acme');

        const first = await svix.application.list({ limit: 1 });
        expect(first.data.map((a: any) => a.id)).toEqual([app.id]);
        expect(first.done).toBe(false);
        const second = await svix.application.list({ limit: 1, iterator: first.iterator });
        expect(second.data.map((a: any) => a.id)).toEqual([fresh.id]);
        expect(second.done).toBe(true);
        const newestFirst = await svix.application.list({ order: 'descending' });
        expect(newestFirst.data.map((a: any) => a.id)).toEqual([fresh.id, app.id]);

        const renamed = await svix.application[line.put]('acme', { name: 'Acme Inc', uid: 'acme' });
        expect(renamed).toMatchObject({ id: app.id, name: 'Acme Inc' });
        const patched = await svix.application.patch(app.id, { metadata: { plan: 'team' } });
        expect(patched).toMatchObject({ name: 'Acme Inc', metadata: { plan: 'team' } });
        if (line.put === 'upsert') {
          const upserted = await svix.application.upsert('gamma', { name: 'Gamma' });
          expect(upserted).toMatchObject({ uid: 'gamma', name: 'Gamma' });
        }

        await expect(svix.application.delete('beta')).resolves.toBeFalsy();
        const gone = await failureOf(svix.application.get('beta'));
        expect(gone).toMatchObject({ code: 404, body: { code: 'not_found' } });
      });

      it('answers 422 with FastAPI-style detail for invalid input, and 401 with a JSON body without a valid token', async () => {
        const svix = client();
        const invalid = await failureOf(svix.application.create({ name: '' }));
        expect(invalid.code).toBe(422);
        expect(invalid.body.detail[0]).toMatchObject({ loc: ['body', 'name'], type: expect.any(String), msg: expect.any(String) });
        const badUid = await failureOf(svix.application.create({ name: 'X', uid: 'app_looks_like_an_id' }));
        expect(badUid.code).toBe(422);
        expect(badUid.body.detail[0].loc).toEqual(['body', 'uid']);
        const tooMany = await failureOf(svix.application.list({ limit: 251 }));
        expect(tooMany.code).toBe(422);
        expect(tooMany.body.detail[0].loc).toEqual(['query', 'limit']);

        const stranger = new line.Svix('not-a-key', { serverUrl: `${server.url}/compat/svix` });
        const refused = await failureOf(stranger.application.list());
        expect(refused).toMatchObject({ code: 401, body: { code: 'authentication_failed', detail: expect.any(String) } });
      });

      it('keeps event types per tenant: create (409 twice), list, get, update, archive on delete', async () => {
        const svix = client();
        const created = await svix.eventType.create({
          name: 'invoice.paid',
          description: 'An invoice was paid',
          schemas: { '1': { type: 'object', properties: { amount: { type: 'integer' } } } },
          groupName: 'billing',
        });
        expect(created).toMatchObject({ name: 'invoice.paid', archived: false, deprecated: false, groupName: 'billing' });
        expect((await failureOf(svix.eventType.create({ name: 'invoice.paid', description: 'again' }))).code).toBe(409);
        await svix.eventType.create({ name: 'invoice.voided', description: 'An invoice was voided' });

        const listed = await svix.eventType.list({ withContent: true });
        expect(listed.data.map((t: any) => t.name)).toEqual(['invoice.paid', 'invoice.voided']);
        expect(listed.data[0].schemas).toEqual({ '1': { type: 'object', properties: { amount: { type: 'integer' } } } });
        expect((await svix.eventType.get('invoice.paid')).description).toBe('An invoice was paid');

        const updated = await svix.eventType[line.put]('invoice.paid', { description: 'Paid in full', deprecated: true });
        expect(updated).toMatchObject({ description: 'Paid in full', deprecated: true });
        await svix.eventType.delete('invoice.voided');
        expect((await svix.eventType.get('invoice.voided')).archived).toBe(true);
        expect((await svix.eventType.list()).data.map((t: any) => t.name)).toEqual(['invoice.paid']);
        expect((await svix.eventType.list({ includeArchived: true })).data).toHaveLength(2);

        // Another tenant's catalog is its own.
        const other = await call(server, 'POST', '/v1/tenants', { token: server.adminToken, body: { name: 'Other' } });
        const key = await call(server, 'POST', `/v1/tenants/${other.body.id}/api-keys`, { token: server.adminToken, body: {} });
        const otherSvix = new line.Svix(key.body.key, { serverUrl: `${server.url}/compat/svix` });
        expect((await otherSvix.eventType.list()).data).toEqual([]);
        expect((await failureOf(otherSvix.eventType.get('invoice.paid'))).code).toBe(404);
      });

      it('manages endpoints: create, get by id or uid, list, put, patch, secret, headers, delete', async () => {
        const svix = client();
        await svix.eventType.create({ name: 'invoice.paid', description: 'paid' });
        const app = await svix.application.create({ name: 'Acme' });
        const endpoint = await svix.endpoint.create(app.id, {
          url: toReceiver('/a'),
          uid: 'primary',
          description: 'Main receiver',
          [line.typesField]: ['invoice.paid'],
          channels: ['eu'],
          metadata: { team: 'billing' },
        });
        expect(endpoint.id).toMatch(/^ep_/);
        expect(endpoint).toMatchObject({ url: toReceiver('/a'), uid: 'primary', description: 'Main receiver', channels: ['eu'], disabled: false });
        expect(endpoint[line.typesField]).toEqual(['invoice.paid']);
        if (line.name === '1.x') expect(endpoint.version).toBe(1);

        expect((await svix.endpoint.get(app.id, 'primary')).id).toBe(endpoint.id);
        expect((await svix.endpoint.get(app.id, endpoint.id)).uid).toBe('primary');
        expect((await failureOf(svix.endpoint.create(app.id, { url: toReceiver('/b'), uid: 'primary' }))).code).toBe(409);
        expect((await failureOf(svix.endpoint.create(app.id, { url: toReceiver('/b'), [line.typesField]: ['never.defined'] }))).code).toBe(422);

        const second = await svix.endpoint.create(app.id, { url: toReceiver('/b') });
        expect(second[line.typesField] ?? null).toBeNull();
        expect((await svix.endpoint.list(app.id)).data.map((e: any) => e.id)).toEqual([endpoint.id, second.id]);
        const page = await svix.endpoint.list(app.id, { limit: 1 });
        expect(page).toMatchObject({ done: false });
        expect((await svix.endpoint.list(app.id, { limit: 1, iterator: page.iterator })).data.map((e: any) => e.id)).toEqual([second.id]);

        const put = await svix.endpoint[line.put](app.id, 'primary', { url: toReceiver('/a2'), [line.typesField]: ['invoice.paid'] });
        expect(put).toMatchObject({ id: endpoint.id, url: toReceiver('/a2'), description: '' });
        const patched = await svix.endpoint.patch(app.id, endpoint.id, { description: 'Patched', disabled: true });
        expect(patched).toMatchObject({ url: toReceiver('/a2'), description: 'Patched', disabled: true });

        const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
        expect(key).toMatch(/^whsec_/);
        await expect(svix.endpoint.rotateSecret(app.id, endpoint.id, {})).resolves.toBeFalsy();
        const rotated = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
        expect(rotated).not.toBe(key);
        const chosen = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
        await svix.endpoint.rotateSecret(app.id, endpoint.id, { key: chosen });
        expect((await svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(chosen);

        await svix.endpoint[line.putHeaders](app.id, endpoint.id, { headers: { 'x-tenant-ref': 'acme', 'x-drop': 'me' } });
        await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { 'x-extra': '1' }, deleteHeaders: ['x-drop'] });
        expect(await svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({ headers: { 'x-tenant-ref': 'acme', 'x-extra': '1' }, sensitive: [] });

        await expect(svix.endpoint.delete(app.id, 'primary')).resolves.toBeFalsy();
        expect((await failureOf(svix.endpoint.get(app.id, endpoint.id))).code).toBe(404);
        // An endpoint of one application is not found through another.
        const other = await svix.application.create({ name: 'Other' });
        expect((await failureOf(svix.endpoint.get(other.id, second.id))).code).toBe(404);
      });

      it('sends messages to the application’s endpoints only, honouring event types and channels, signed for the SDK’s Webhook class', async () => {
        const svix = client();
        await svix.eventType.create({ name: 'invoice.paid', description: 'paid' });
        await svix.eventType.create({ name: 'invoice.voided', description: 'voided' });
        const app = await svix.application.create({ name: 'Acme', uid: 'acme' });
        const other = await svix.application.create({ name: 'Other' });
        const all = await svix.endpoint.create(app.id, { url: toReceiver('/all') });
        const paidOnly = await svix.endpoint.create(app.id, { url: toReceiver('/paid'), [line.typesField]: ['invoice.paid'] });
        const eu = await svix.endpoint.create(app.id, { url: toReceiver('/eu'), channels: ['eu'] });
        await svix.endpoint.create(other.id, { url: toReceiver('/other') });
        await svix.endpoint[line.putHeaders](app.id, all.id, { headers: { 'x-tenant-ref': 'acme' } });
        const secret = async (id: string) => (await svix.endpoint.getSecret(app.id, id)).key as string;

        const paid = await svix.message.create('acme', { eventType: 'invoice.paid', eventId: 'inv-1', payload: { amount: 100 }, channels: ['us'], tags: ['vip'] });
        expect(paid.id).toMatch(/^msg_/);
        expect(paid).toMatchObject({ eventId: 'inv-1', eventType: 'invoice.paid', channels: ['us'], tags: ['vip'] });
        const voided = await svix.message.create(app.id, { eventType: 'invoice.voided', payload: { amount: 5 }, channels: ['eu'] });

        await eventually(() => (requestsTo('/all').length === 2 && requestsTo('/paid').length === 1 && requestsTo('/eu').length === 1 ? true : undefined));
        // Give a wrong delivery the chance to arrive before asserting there is none.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(requestsTo('/other')).toHaveLength(0);
        expect(requestsTo('/paid')).toHaveLength(1);
        expect(requestsTo('/eu')).toHaveLength(1);

        const paidDelivery = requestsTo('/paid')[0]!;
        expect(verified(await secret(paidOnly.id), paidDelivery)).toEqual({ amount: 100 });
        expect(paidDelivery.headers['svix-id']).toBe(paid.id);
        expect(paidDelivery.headers['svix-signature']).toMatch(/^v1,/);
        const euDelivery = requestsTo('/eu')[0]!;
        expect(verified(await secret(eu.id), euDelivery)).toEqual({ amount: 5 });
        expect(euDelivery.headers['svix-id']).toBe(voided.id);
        for (const delivery of requestsTo('/all')) {
          expect(verified(await secret(all.id), delivery)).toEqual(expect.objectContaining({ amount: expect.any(Number) }));
          expect(delivery.headers['x-tenant-ref']).toBe('acme');
        }

        const duplicate = await failureOf(svix.message.create(app.id, { eventType: 'invoice.paid', eventId: 'inv-1', payload: { amount: 1 } }));
        expect(duplicate).toMatchObject({ code: 409, body: { code: 'conflict' } });
        // A message of a type never defined is accepted, as Svix does; endpoints filter by name.
        await expect(svix.message.create(app.id, { eventType: 'note.added', payload: {} })).resolves.toMatchObject({ eventType: 'note.added' });

        expect((await svix.message.get(app.id, 'inv-1')).id).toBe(paid.id);
        expect((await svix.message.get('acme', paid.id, { withContent: true })).payload).toEqual({ amount: 100 });
        expect((await failureOf(svix.message.get(other.id, paid.id))).code).toBe(404);
        const listed = await svix.message.list(app.id);
        expect(listed.data.map((m: any) => m.eventType)).toEqual(['note.added', 'invoice.voided', 'invoice.paid']);
        expect((await svix.message.list(app.id, { channel: 'eu' })).data.map((m: any) => m.id)).toEqual([voided.id]);
        expect((await svix.message.list(app.id, { eventTypes: ['invoice.paid', 'invoice.voided'] })).data).toHaveLength(2);
        expect((await svix.message.list(app.id, { before: new Date(Date.parse(voided.timestamp) - 1 + 1) })).data.map((m: any) => m.id)).not.toContain(voided.id);
        expect((await svix.message.list(app.id, { after: new Date(0), limit: 1 })).done).toBe(false);
        expect((await svix.message.list(other.id)).data).toEqual([]);
      });

      it(`throttles an endpoint to its ${line.rateField}: its messages are spread at that rate, an endpoint without one gets them at once, and null lifts it`, async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme' });
        const slow = await svix.endpoint.create(app.id, { url: toReceiver('/slow'), [line.rateField]: 4 });
        expect(slow[line.rateField]).toBe(4);
        await svix.endpoint.create(app.id, { url: toReceiver('/fast') });
        expect(await nativeRate(toReceiver('/slow'))).toBe(4);
        expect(await nativeRate(toReceiver('/fast'))).toBeNull();

        for (let n = 0; n < 8; n++) await svix.message.create(app.id, { eventType: 'order.shipped', payload: { n } });
        await eventually(() => (requestsTo('/slow').length === 8 && requestsTo('/fast').length === 8 ? true : undefined), 10_000);
        // A burst of 4 (one second's worth), then one every 250 ms: the last four take at least 750 ms.
        const arrivals = requestsTo('/slow').map((request) => request.receivedAt);
        expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(700);

        const lifted = await svix.endpoint.patch(app.id, slow.id, { [line.rateField]: null });
        expect(lifted[line.rateField]).toBeNull();
        expect(await nativeRate(toReceiver('/slow'))).toBeNull();
      });

      it(`throttles the endpoints of an application with a ${line.rateField} to it unless they have their own, and follows the application's changes`, async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme', [line.rateField]: 4 });
        expect(app[line.rateField]).toBe(4);
        const inherits = await svix.endpoint.create(app.id, { url: toReceiver('/inherits') });
        // The endpoint shows its own setting (none); the rate in force is the application's.
        expect(inherits[line.rateField]).toBeNull();
        await svix.endpoint.create(app.id, { url: toReceiver('/own'), [line.rateField]: 50 });
        expect(await nativeRate(toReceiver('/inherits'))).toBe(4);
        expect(await nativeRate(toReceiver('/own'))).toBe(50);

        // Enforced, not only stored: a burst of 4 (one second's worth), then one every 250 ms.
        for (let n = 0; n < 8; n++) await svix.message.create(app.id, { eventType: 'order.shipped', payload: { n } });
        await eventually(() => (requestsTo('/inherits').length === 8 && requestsTo('/own').length === 8 ? true : undefined), 10_000);
        const arrivals = requestsTo('/inherits').map((request) => request.receivedAt);
        expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(700);

        // A change of the application's rate reaches the endpoint that follows it, not the one with its own.
        const patched = await svix.application.patch(app.id, { [line.rateField]: 10 });
        expect(patched[line.rateField]).toBe(10);
        expect(await nativeRate(toReceiver('/inherits'))).toBe(10);
        expect(await nativeRate(toReceiver('/own'))).toBe(50);
        // An endpoint that lifts its own rate follows the application's again.
        await svix.endpoint.patch(app.id, (await svix.endpoint.list(app.id)).data.find((e: any) => e.url === toReceiver('/own')).id, { [line.rateField]: null });
        expect(await nativeRate(toReceiver('/own'))).toBe(10);
        // A PUT without a rate lifts the application's, and with it the rate of every endpoint that follows it.
        const replaced = await svix.application[line.put](app.id, { name: 'Acme' });
        expect(replaced[line.rateField]).toBeNull();
        expect(await nativeRate(toReceiver('/inherits'))).toBeNull();
        expect(await nativeRate(toReceiver('/own'))).toBeNull();
        // Lifted by a PATCH with null too (after setting it again).
        await svix.application.patch(app.id, { [line.rateField]: 3 });
        expect(await nativeRate(toReceiver('/inherits'))).toBe(3);
        expect((await svix.application.patch(app.id, { [line.rateField]: null }))[line.rateField]).toBeNull();
        expect(await nativeRate(toReceiver('/inherits'))).toBeNull();
      });

      it('answers 409 to all but one of messages sent at once with one eventId, and accepts the other messages sent with them', async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme' });
        await svix.endpoint.create(app.id, { url: toReceiver('/race') });
        // Sent together, they are written in one group commit (or a few): the uid race is decided there.
        const sends = Array.from({ length: 12 }, (_, n) =>
          svix.message.create(app.id, { eventType: 'order.shipped', eventId: n % 2 === 0 ? 'same-order' : `order-${n}`, payload: { n } }),
        );
        const settled = await Promise.allSettled(sends);
        const outcome = (n: number) => settled[n]!;
        const same = settled.filter((_, n) => n % 2 === 0);
        expect(same.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
        for (const lost of same.filter((s) => s.status === 'rejected')) expect((lost as PromiseRejectedResult).reason.code).toBe(409);
        for (let n = 1; n < 12; n += 2) expect(outcome(n).status).toBe('fulfilled');
        await eventually(() => (requestsTo('/race').length === 7 ? true : undefined));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(requestsTo('/race')).toHaveLength(7);
        expect((await svix.message.list(app.id)).data).toHaveLength(7);
      });

      it('lists attempts by message and by endpoint, reads one, and resends (202 {})', async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme' });
        const endpoint = await svix.endpoint.create(app.id, { url: toReceiver('/log') });
        const message = await svix.message.create(app.id, { eventType: 'order.shipped', eventId: 'o-1', payload: { order: 1 } });
        await receiver.waitFor(1);
        const attempts = await eventually(async () => {
          const page = await svix.messageAttempt.listByMsg(app.id, 'o-1');
          return page.data.length === 1 ? page : undefined;
        });
        const [attempt] = attempts.data;
        expect(attempt.id).toMatch(/^atmpt_/);
        expect(attempt).toMatchObject({ msgId: message.id, endpointId: endpoint.id, url: toReceiver('/log'), responseStatusCode: 200, status: 0 });
        expect((await svix.messageAttempt.get(app.id, message.id, attempt.id)).id).toBe(attempt.id);
        expect((await svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data.map((a: any) => a.id)).toEqual([attempt.id]);

        await expect(svix.messageAttempt.resend(app.id, message.id, endpoint.id)).resolves.toEqual({});
        await receiver.waitFor(2);
        const again = await eventually(async () => {
          const page = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
          return page.data.length === 2 ? page : undefined;
        });
        expect(again.data[1].id).toBe(attempt.id);
        expect(receiver.requests[1]!.headers['svix-id']).toBe(message.id);
      });

      it('replays the first answer to SDK retries with the same idempotency key: one message, one delivery', async () => {
        let dropped = 0;
        // The first answer to a message POST is lost on the way back (the server did the work);
        // the SDK retries with the same idempotency-key.
        const losingFetch: typeof fetch = async (input, init) => {
          const response = await fetch(input, init);
          if (init?.method === 'POST' && new URL(String(input)).pathname.endsWith('/msg') && dropped === 0) {
            dropped++;
            return new Response(JSON.stringify({ code: 'bad_gateway', detail: 'lost' }), { status: 502 });
          }
          return response;
        };
        const svix = client({ fetch: losingFetch });
        const app = await svix.application.create({ name: 'Acme' });
        await svix.endpoint.create(app.id, { url: toReceiver('/once') });
        const message = await svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 2 } }, { idempotencyKey: 'ship-2' });
        expect(dropped).toBe(1);
        expect(message.id).toMatch(/^msg_/);
        expect((await svix.message.list(app.id)).data.map((m: any) => m.id)).toEqual([message.id]);
        // A later call with the key gets the same answer and creates nothing.
        const replayed = await client().message.create(app.id, { eventType: 'order.shipped', payload: { order: 2 } }, { idempotencyKey: 'ship-2' });
        expect(replayed.id).toBe(message.id);
        await receiver.waitFor(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(requestsTo('/once')).toHaveLength(1);
      });

      it('answers appPortalAccess with 501 and a clear detail (no consumer portal yet)', async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme' });
        // The SDK hands a 5xx body over as text (after retrying it).
        const portal = await failureOf(svix.authentication.appPortalAccess(app.id, {}));
        expect(portal.code).toBe(501);
        expect(JSON.parse(portal.body)).toMatchObject({ code: 'not_implemented', detail: expect.stringContaining('portal') });
      });

      it('rotates a secret with a grace period: both secrets sign until it ends', async () => {
        const svix = client();
        const app = await svix.application.create({ name: 'Acme' });
        const endpoint = await svix.endpoint.create(app.id, { url: toReceiver('/rotating') });
        const old = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
        await expect(svix.endpoint.rotateSecret(app.id, endpoint.id, { gracePeriodSeconds: 3600 })).resolves.toBeFalsy();
        const current = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
        expect(current).not.toBe(old);
        await svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 3 } });
        const [delivery] = await receiver.waitFor(1);
        expect(String(delivery!.headers['svix-signature']).split(' ')).toHaveLength(2);
        expect(verified(current, delivery!)).toEqual({ order: 3 });
        expect(verified(old, delivery!)).toEqual({ order: 3 });
      });
    });
  }

  it('serves 1.x clients whose serverUrl ends with a slash (they ask for //api/v1/…)', async () => {
    const svix = new SDK_LINES[0]!.Svix(tenant.key, { serverUrl: `${server.url}/compat/svix/` });
    const app = await svix.application.create({ name: 'Slash' });
    expect((await svix.application.get(app.id)).name).toBe('Slash');
  });
});

describe('Svix endpoint recovery', () => {
  for (const line of SDK_LINES) {
    it(`recovers an endpoint's failed messages in the background (svix ${line.name})`, async () => {
      // One attempt only, so the first delivery fails for good while the receiver is down.
      const server = await startServer({ env: { HOOKPOST_RETRY_SCHEDULE: '0' } });
      let up = false;
      const receiver = await startReceiver(() => ({ status: up ? 200 : 500 }));
      try {
        const tenant = await createTenant(server);
        const svix = new line.Svix(tenant.key, { serverUrl: `${server.url}/compat/svix` });
        const app = await svix.application.create({ name: 'Acme' });
        const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
        const since = new Date(Date.now() - 60_000);
        const message = await svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 4 } });
        await eventually(async () => {
          const page = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${message.id}`, { token: tenant.key });
          return page.body.data[0]?.status === 'failed' ? true : undefined;
        });
        up = true;
        const task = await svix.endpoint.recover(app.id, endpoint.id, { since });
        expect(task.id).toMatch(/^qtask_/);
        expect(task).toMatchObject({ task: 'endpoint.recover', status: expect.stringMatching(/^(running|finished)$/) });
        const requests = await eventually(() => (receiver.requests.length >= 2 ? receiver.requests : undefined));
        expect(requests[requests.length - 1]!.headers['svix-id']).toBe(message.id);
        // backgroundTask.get follows the recovery to its end, with its counts.
        const finished = await eventually(async () => {
          const read = await svix.backgroundTask.get(task.id);
          return read.status === 'finished' ? read : undefined;
        });
        expect(finished).toMatchObject({ id: task.id, task: 'endpoint.recover', data: { requeued: 1 } });
        await expect(svix.backgroundTask.get('qtask_unknown')).rejects.toMatchObject({ code: 404 });
      } finally {
        await receiver.close();
        await server.close();
      }
    });
  }
});

describe('Svix door switched off', () => {
  it('answers 404 under /compat/svix when HOOKPOST_PLATFORMS leaves svix out', async () => {
    const server = await startServer({ env: { HOOKPOST_PLATFORMS: 'kajabi' } });
    try {
      const tenant = await createTenant(server);
      const svix = new SDK_LINES[1]!.Svix(tenant.key, { serverUrl: `${server.url}/compat/svix` });
      expect((await failureOf(svix.application.list())).code).toBe(404);
      expect((await call(server, 'GET', '/compat/svix/api/v1/health')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
