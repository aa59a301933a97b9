import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import { thinkificCatalog } from '../../src/api/compat/thinkific/catalog.js';
import type { Receiver } from '../support/receiver.js';
import type { TestServer, TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { keyWithScopes, platformFetch, publishEvent, usePlatformFixture } from './shared-harness.js';

// Every read-modify-write of a webhook's platform data runs in one store transaction, so calls
// that race never lose each other's changes.

describeEachStore('doors under concurrency', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  const timeback = (route: string, options: Parameters<typeof platformFetch>[3] = {}) => platformFetch(server, '/compat/timeback', route, { token: tenant.key, ...options });
  const fourthwall = (route: string, options: Parameters<typeof platformFetch>[3] = {}) =>
    platformFetch(server, '/compat/fourthwall/open-api/v1.0', route, { token: tenant.key, ...options });

  it('keeps all five filters created at once on one Timeback webhook, and all deletions made at once', async () => {
    const created = await timeback('/webhooks/', { method: 'POST', body: { name: 'Hook', description: null, targetUrl: receiver.url, secret: 's3cret', active: true } });
    expect(created.status).toBe(201);
    const webhookId = created.body.webhook.id;
    const values = ['ActivityEvent', 'TimeSpentEvent', 'AssessmentEvent', 'NavigationEvent', 'ToolUseEvent'];
    const answers = await Promise.all(
      values.map((filterValue) =>
        timeback('/webhook-filters/', {
          method: 'POST',
          body: { webhookId, filterKey: 'type', filterValue, filterType: 'string', filterOperation: 'eq', active: true },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    const listed = await timeback(`/webhook-filters/webhook/${webhookId}`);
    expect(listed.body.filters.map((filter: any) => filter.filterValue).sort()).toEqual([...values].sort());

    const ids = answers.map((answer) => answer.body.filter.id as string);
    const deletions = await Promise.all(ids.slice(0, 3).map((id) => timeback(`/webhook-filters/${id}`, { method: 'DELETE' })));
    expect(deletions.every((answer) => answer.status < 300)).toBe(true);
    const left = await timeback(`/webhook-filters/webhook/${webhookId}`);
    expect(left.body.filters.map((filter: any) => filter.id).sort()).toEqual(ids.slice(3).sort());
  });

  it('records who changed a Thinkific webhook last within the update itself, keeping its creator and its signing key', async () => {
    const thinkific = (route: string, options: Parameters<typeof platformFetch>[3] = {}) =>
      platformFetch(server, '/compat/thinkific/api/v2', route, { token: tenant.key, ...options });
    const created = await thinkific('/webhooks', { method: 'POST', body: { topic: 'order.created', target_url: receiver.url } });
    expect(created.status).toBe(201);
    const editors = await Promise.all([0, 1, 2].map(() => keyWithScopes(server, tenant, ['subscriptions:read', 'subscriptions:write'])));
    const answers = await Promise.all(
      editors.map((token, n) =>
        thinkific(`/webhooks/${created.body.id}`, { method: 'PUT', token, body: { topic: 'order.created', target_url: `${receiver.url}/edit-${n}` } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.body.updated_by)).size).toBe(3);

    const final = (await thinkific(`/webhooks/${created.body.id}`)).body;
    const lastWriter = answers.find((answer) => answer.body.target_url === final.target_url)!;
    expect(final.updated_by).toBe(lastWriter.body.updated_by);
    expect(final.created_by).toBe(created.body.created_by);
    // The webhook still signs with the key it was created with, kept in the same platform data.
    const order = thinkificCatalog.find((entry) => entry.name === 'order.created')!;
    await publishEvent(server, tenant, { type: 'thinkific:order.created', data: order.example });
    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.headers['x-thinkific-hmac-sha256']).toBe(createHmac('sha256', tenant.key).update(delivery!.body).digest('hex'));
  });

  it('gives a shop one secret when its first Fourthwall webhooks are created at once', async () => {
    const answers = await Promise.all(
      [0, 1, 2, 3].map((n) => fourthwall('/webhooks', { method: 'POST', body: { url: `${receiver.url}/${n}`, allowedTypes: ['ORDER_PLACED'] } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const secrets = new Set(answers.map((answer) => answer.body.secret));
    expect(secrets.size).toBe(1);
    const later = await fourthwall('/webhooks', { method: 'POST', body: { url: receiver.url, allowedTypes: ['DONATION'] } });
    expect(later.body.secret).toBe(answers[0]!.body.secret);
  });
});
