import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANTABLE_TENANT_SCOPES } from '../src/service/api-keys.js';
import { fillPath, label, listOperations, type Operation } from './support/openapi.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Tenant A owns real objects; tenant B holds every scope a tenant can hold, as an API key and as
// an OAuth access token. B walks every route of the OpenAPI document (native and any compat
// door) aimed at A's ids: it must get 403 or 404, see nothing of A's, and change nothing.

describeEachStore('tenant isolation', (store) => {
  let server: TestServer;
  let a: TestTenant;
  let aObjects: { subscription: string; event: string; delivery: string; key: string };
  let aSecrets: string[];
  let bCredentials: Array<{ name: string; token: string; actorId: string }>;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '0', HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0' } });
    a = await createTenant(server);
    await defineEventType(server, 'isolation.test');
    const marker = randomBytes(12).toString('hex');
    const subscription = await subscribe(server, a, {
      url: `http://127.0.0.1:9/a-only-${marker}`,
      event_types: ['isolation.test'],
      metadata: { marker: `meta-${marker}` },
      name: `name-${marker}`,
    });
    const event = await publish(server, a, { type: 'isolation.test', id: `evt-a-${marker}`, data: { marker: `data-${marker}` } });
    const delivery = await eventually(async () => {
      const list = await call(server, 'GET', `/v1/tenants/${a.id}/deliveries`, { token: a.key });
      return list.body.data[0]?.id as string | undefined;
    });
    const extraKey = await call(server, 'POST', `/v1/tenants/${a.id}/api-keys`, { token: server.adminToken, body: { name: `key-${marker}` } });
    aObjects = { subscription: subscription.id, event: event.body.id, delivery, key: extraKey.body.id };
    aSecrets = [marker, subscription.secret, a.key, extraKey.body.key];

    const b = await createTenant(server);
    const bKey = await call(server, 'POST', `/v1/tenants/${b.id}/api-keys`, { token: server.adminToken, body: { scopes: GRANTABLE_TENANT_SCOPES } });
    const issued = await call(server, 'POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: bKey.body.id, client_secret: bKey.body.key },
    });
    bCredentials = [
      { name: 'API key', token: bKey.body.key, actorId: bKey.body.id },
      { name: 'access token', token: issued.body.access_token, actorId: bKey.body.id },
    ];
  });
  afterAll(() => server.close());

  const KNOWN_RESOURCES: Record<string, keyof typeof aObjects | 'tenant'> = {
    tenants: 'tenant',
    subscriptions: 'subscription',
    events: 'event',
    deliveries: 'delivery',
    'api-keys': 'key',
  };

  /** The paths to try for an operation: A's id for each known parameter, every A id for an unknown one. */
  function pathsAimedAtA(op: Operation): string[] {
    const everyId = [aObjects.subscription, aObjects.event, aObjects.delivery, aObjects.key, a.id];
    const unknown = op.pathParams.some((_, i) => !(resourceBefore(op.path, i) in KNOWN_RESOURCES) && resourceBefore(op.path, i) !== 'event-types');
    const variants = unknown ? everyId : [null];
    return variants.map((guess) =>
      fillPath(op.path, (_name, resource) => {
        if (resource === 'event-types') return 'isolation.test'; // the shared catalog: nobody's
        const known = KNOWN_RESOURCES[resource];
        if (known === 'tenant') return a.id;
        if (known) return aObjects[known];
        return guess!;
      }),
    );
  }

  function resourceBefore(path: string, index: number): string {
    const match = [...path.matchAll(/([^/]*)\/\{[^}]+\}/g)][index];
    return match?.[1] ?? '';
  }

  async function send(op: Operation, path: string, token: string) {
    const hasBody = op.bodyTypes.length > 0;
    const response = await request(new URL(path, server.url), {
      method: op.method,
      headers: { authorization: `Bearer ${token}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      body: hasBody ? JSON.stringify(op.exampleBody ?? {}) : undefined,
    });
    return { status: response.statusCode, text: await response.body.text() };
  }

  describe('tenant isolation across every route of the OpenAPI document', () => {
    it("never lets tenant B's credentials read or change tenant A's objects", async () => {
      const operations = await listOperations(server);
      expect(operations.length).toBeGreaterThan(20);
      const aIds = [a.id, ...Object.values(aObjects)];
      const problems: string[] = [];
      for (const credential of bCredentials) {
        for (const op of operations) {
          for (const path of pathsAimedAtA(op)) {
            const { status, text } = await send(op, path, credential.token);
            const where = `${credential.name}: ${label(op)} as ${path} → ${status}`;
            const aimedAtA = aIds.some((id) => path.includes(encodeURIComponent(id)));
            // A compat route carries no tenant in its path; it may refuse B's body before looking anything up.
            const validationFirst = !op.path.startsWith('/v1/') && (status === 400 || status === 422);
            if (aimedAtA && status !== 403 && status !== 404 && !validationFirst) problems.push(`${where}: expected 403 or 404`);
            if (status >= 500) problems.push(`${where}: server error`);
            for (const secret of aSecrets) if (text.includes(secret)) problems.push(`${where}: body shows A's ${secret.slice(0, 8)}…`);
            for (const id of aIds) if (!path.includes(encodeURIComponent(id)) && text.includes(id)) problems.push(`${where}: body names A's ${id}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it("leaves A's objects as they were, and the audit log shows no change by B", async () => {
      const subscription = await call(server, 'GET', `/v1/tenants/${a.id}/subscriptions/${aObjects.subscription}`, { token: a.key });
      expect(subscription.status).toBe(200);
      expect(subscription.body.url).toContain('/a-only-');
      const secret = await call(server, 'GET', `/v1/tenants/${a.id}/subscriptions/${aObjects.subscription}/secret`, { token: a.key });
      expect(aSecrets).toContain(secret.body.secret);
      const keys = await call(server, 'GET', `/v1/tenants/${a.id}/api-keys`, { token: server.adminToken });
      expect(keys.body.data.every((k: { revoked_at: string | null }) => k.revoked_at === null)).toBe(true);
      const log = await call(server, 'GET', '/v1/audit-log?limit=250', { token: server.adminToken });
      const byB = log.body.data.filter((e: { actor: { id: string } }) => e.actor.id === bCredentials[0]!.actorId);
      expect(byB).toEqual([]);
    });
  });
});
