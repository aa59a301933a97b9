import { expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.js';
import type { TestServer, TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { platformFetch, usePlatformFixture } from './shared-harness.js';

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
