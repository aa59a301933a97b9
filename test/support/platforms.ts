import { call, type TestServer, type TestTenant } from './server.js';

/** The tenant's real objects on every compat door, by name: what the walkers aim at. */
export type PlatformObjects = Record<
  'schoolmakerWebhook' | 'kajabiHook' | 'thinkificWebhook' | 'thinkificEvent' | 'timebackWebhook' | 'timebackFilter' | 'fourthwallWebhook',
  string
>;

/**
 * Creates one webhook on each platform door (and a Timeback filter, and a Thinkific event) for
 * the tenant, through the doors themselves, with `marker` in every target URL and secret, so
 * that a walker can tell the tenant's data in any answer.
 */
export async function createPlatformObjects(server: TestServer, tenant: TestTenant, marker: string): Promise<PlatformObjects> {
  const url = (door: string) => `http://127.0.0.1:9/a-only-${marker}/${door}`;
  const post = async (route: string, body: unknown, pick: (answer: any) => string) => {
    const answer = await call(server, 'POST', route, { token: tenant.key, body });
    if (answer.status >= 300) throw new Error(`POST ${route} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return pick(answer.body);
  };
  const timebackWebhook = await post(
    '/compat/timeback/webhooks/',
    { name: `tb-${marker}`, description: null, targetUrl: url('timeback'), secret: `secret-${marker}`, sensor: `https://sensor-${marker}.example`, active: true },
    (body) => body.webhook.id,
  );
  const orderCreated = await call(server, 'GET', '/v1/event-types/thinkific:order.created', { token: server.adminToken });
  const thinkificEvent = await post(`/v1/tenants/${tenant.id}/events`, { type: 'thinkific:order.created', data: orderCreated.body.example }, (body) => body.id);
  return {
    schoolmakerWebhook: await post('/compat/schoolmaker/api/v1/webhooks', { webhook_url: url('schoolmaker'), event_type: 'element_completed' }, (body) => body.id),
    kajabiHook: await post(
      '/compat/kajabi/v1/hooks',
      { data: { type: 'hooks', attributes: { target_url: url('kajabi'), event: 'purchase' }, relationships: { site: { data: { id: '1', type: 'sites' } } } } },
      (body) => body.data.id,
    ),
    thinkificWebhook: await post('/compat/thinkific/api/v2/webhooks', { topic: 'order.created', target_url: url('thinkific') }, (body) => body.id),
    thinkificEvent,
    timebackWebhook,
    timebackFilter: await post(
      '/compat/timeback/webhook-filters/',
      { webhookId: timebackWebhook, filterKey: 'type', filterValue: `v-${marker}`, filterType: 'string', filterOperation: 'eq', active: true },
      (body) => body.filter.id,
    ),
    fourthwallWebhook: await post('/compat/fourthwall/open-api/v1.0/webhooks', { url: url('fourthwall'), allowedTypes: ['ORDER_PLACED'] }, (body) => body.id),
  };
}
