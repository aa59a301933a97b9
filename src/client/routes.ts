/**
 * Every native route the client calls, by the server's own route template (Fastify's `:param`
 * syntax). A test compares this table with the server's route table, so a route added to the API
 * without a client method fails the suite.
 */
export const CLIENT_ROUTES = {
  createTenant: ['POST', '/v1/tenants'],
  listTenants: ['GET', '/v1/tenants'],
  getTenant: ['GET', '/v1/tenants/:tenant'],
  getTenantUsage: ['GET', '/v1/tenants/:tenant/usage'],
  deleteTenant: ['DELETE', '/v1/tenants/:tenant'],
  createApiKey: ['POST', '/v1/tenants/:tenant/api-keys'],
  listApiKeys: ['GET', '/v1/tenants/:tenant/api-keys'],
  revokeApiKey: ['DELETE', '/v1/tenants/:tenant/api-keys/:id'],
  createAdminKey: ['POST', '/v1/api-keys'],
  listAdminKeys: ['GET', '/v1/api-keys'],
  revokeAdminKey: ['DELETE', '/v1/api-keys/:id'],
  listAuditLog: ['GET', '/v1/audit-log'],
  createEventType: ['POST', '/v1/event-types'],
  updateEventType: ['PATCH', '/v1/event-types/:name'],
  listEventTypes: ['GET', '/v1/event-types'],
  getEventType: ['GET', '/v1/event-types/:name'],
  createSubscription: ['POST', '/v1/tenants/:tenant/subscriptions'],
  listSubscriptions: ['GET', '/v1/tenants/:tenant/subscriptions'],
  getSubscription: ['GET', '/v1/tenants/:tenant/subscriptions/:id'],
  updateSubscription: ['PATCH', '/v1/tenants/:tenant/subscriptions/:id'],
  deleteSubscription: ['DELETE', '/v1/tenants/:tenant/subscriptions/:id'],
  getSubscriptionSecret: ['GET', '/v1/tenants/:tenant/subscriptions/:id/secret'],
  rotateSubscriptionSecret: ['POST', '/v1/tenants/:tenant/subscriptions/:id/rotate-secret'],
  recoverSubscription: ['POST', '/v1/tenants/:tenant/subscriptions/:id/recover'],
  testSubscription: ['POST', '/v1/tenants/:tenant/subscriptions/:id/test'],
  getSubscriptionHealth: ['GET', '/v1/tenants/:tenant/subscriptions/:id/health'],
  readSubscriptionEvents: ['GET', '/v1/tenants/:tenant/subscriptions/:id/events'],
  getTask: ['GET', '/v1/tenants/:tenant/tasks/:id'],
  publishEvent: ['POST', '/v1/tenants/:tenant/events'],
  publishBatch: ['POST', '/v1/tenants/:tenant/events/batch'],
  listEvents: ['GET', '/v1/tenants/:tenant/events'],
  getEvent: ['GET', '/v1/tenants/:tenant/events/:id'],
  cancelEvent: ['POST', '/v1/tenants/:tenant/events/:id/cancel'],
  resendEvent: ['POST', '/v1/tenants/:tenant/events/:id/resend'],
  listDeliveries: ['GET', '/v1/tenants/:tenant/deliveries'],
  getDelivery: ['GET', '/v1/tenants/:tenant/deliveries/:id'],
  retryDelivery: ['POST', '/v1/tenants/:tenant/deliveries/:id/retry'],
} as const satisfies Record<string, readonly ['GET' | 'POST' | 'PATCH' | 'DELETE', string]>;

export type RouteName = keyof typeof CLIENT_ROUTES;

/** A route's path with its `:params` filled in, each value URL-encoded. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${template} needs ${name}`);
    return encodeURIComponent(value);
  });
}
