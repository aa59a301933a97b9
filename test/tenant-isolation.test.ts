import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANTABLE_TENANT_SCOPES } from '../src/service/api-keys.js';
import { fillPath, label, listAllOperations, type Operation } from './support/openapi.js';
import { createPlatformObjects, type PlatformObjects } from './support/platforms.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('tenant isolation', (store) => {

  // Tenant A owns real objects, natively and on every compat door; tenant B holds every scope a
  // tenant can hold (native and every platform's), as API keys, as OAuth access tokens from every
  // token endpoint, and as Fourthwall Basic credentials. B walks every route the app serves (the
  // OpenAPI document and the real route table, so every compat route) aimed at A's ids, naming A
  // in Hookpost-Tenant besides: it must get 403 or 404, see nothing of A's, and change nothing.

  let server: TestServer;
  let a: TestTenant;
  let aObjects: { subscription: string; event: string; delivery: string; key: string };
  let aPlatform: PlatformObjects;
  let aSecrets: string[];
  let bTenantId: string;
  let bCredentials: Array<{ name: string; authorization: string; actorId: string; door?: string }>;

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
    aPlatform = await createPlatformObjects(server, a, marker);
    // A's key is also the signing secret of A's Thinkific webhook, base64-encoded.
    aSecrets = [marker, subscription.secret, a.key, Buffer.from(a.key).toString('base64'), extraKey.body.key];

    const b = await createTenant(server);
    bTenantId = b.id;
    const bKey = await call(server, 'POST', `/v1/tenants/${b.id}/api-keys`, { token: server.adminToken, body: { scopes: GRANTABLE_TENANT_SCOPES } });
    const everyScope = [...GRANTABLE_TENANT_SCOPES, ...(server.runtime.service.platformScopes ?? [])];
    const bPlatformKey = await call(server, 'POST', `/v1/tenants/${b.id}/api-keys`, { token: server.adminToken, body: { scopes: everyScope } });
    const tokenFrom = async (path: string, key: { id: string; key: string }) => {
      const issued = await call(server, 'POST', path, { body: { grant_type: 'client_credentials', client_id: key.id, client_secret: key.key } });
      if (issued.status !== 200) throw new Error(`${path} answered ${issued.status}`);
      return `Bearer ${issued.body.access_token}`;
    };
    const basic = `Basic ${Buffer.from(`${bPlatformKey.body.id}:${bPlatformKey.body.key}`).toString('base64')}`;
    bCredentials = [
      { name: 'API key', authorization: `Bearer ${bKey.body.key}`, actorId: bKey.body.id },
      { name: 'access token', authorization: await tokenFrom('/oauth/token', bKey.body), actorId: bKey.body.id },
      { name: 'key with every platform scope', authorization: `Bearer ${bPlatformKey.body.key}`, actorId: bPlatformKey.body.id },
      { name: 'Timeback access token', authorization: await tokenFrom('/compat/timeback/oauth2/token', bPlatformKey.body), actorId: bPlatformKey.body.id },
      { name: 'Kajabi access token', authorization: await tokenFrom('/compat/kajabi/v1/oauth/token', bPlatformKey.body), actorId: bPlatformKey.body.id },
      { name: 'Fourthwall Basic', authorization: basic, actorId: bPlatformKey.body.id, door: 'fourthwall' },
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

  /** Every id of A's, native and platform. */
  const everyAId = () => [aObjects.subscription, aObjects.event, aObjects.delivery, aObjects.key, a.id, ...Object.values(aPlatform)];

  /**
   * The paths to try for an operation: A's id for each known parameter of a native route, every A
   * id for an unknown one and for every parameter of a compat route (whose ids are all A's webhooks').
   */
  function pathsAimedAtA(op: Operation): string[] {
    // Svix's path parameters are ids or the caller's own names (uids, event-type names), and PUT
    // creates what a name does not name yet, in the caller's tenant: so each Svix parameter is
    // aimed at A's id of its kind, which no one else can take, and event-type names are B's own.
    if (op.door === 'svix') {
      if (op.pathParams.includes('name')) return [];
      const svixIds: Record<string, string> = { app: aPlatform.svixApplication, endpoint: aPlatform.svixEndpoint, msg: aPlatform.svixMessage };
      return [fillPath(op.path, (name) => svixIds[name] ?? aPlatform.svixMessage)];
    }
    const everyId = everyAId();
    if (op.door !== undefined) return op.pathParams.length === 0 ? [op.path] : everyId.map((id) => fillPath(op.path, () => id));
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

  /** The example body, with any reference to another object (Timeback's `webhookId`) aimed at A's. */
  function bodyAimedAtA(op: Operation): unknown {
    const body = op.exampleBody ?? {};
    if (typeof body === 'object' && body !== null && 'webhookId' in body) return { ...body, webhookId: aPlatform.timebackWebhook };
    return body;
  }

  async function send(op: Operation, path: string, authorization: string) {
    const hasBody = op.bodyTypes.length > 0;
    const response = await request(new URL(path, server.url), {
      method: op.method,
      // An admin credential names its tenant in this header; B's credentials must not be swayed by it.
      headers: { authorization, 'hookpost-tenant': a.id, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      body: hasBody ? JSON.stringify(bodyAimedAtA(op)) : undefined,
    });
    return { status: response.statusCode, text: await response.body.text() };
  }

  describe('tenant isolation across every route of the OpenAPI document and of every platform API', () => {
    it("never lets tenant B's credentials read or change tenant A's objects", async () => {
      const operations = await listAllOperations(server);
      expect(operations.filter((op) => op.door === undefined).length).toBeGreaterThan(20);
      expect(new Set(operations.map((op) => op.door).filter(Boolean))).toEqual(new Set(['schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific', 'svix']));
      const aIds = [a.id, ...Object.values(aObjects), ...Object.values(aPlatform)];
      const problems: string[] = [];
      for (const credential of bCredentials) {
        for (const op of operations) {
          if (credential.door !== undefined && op.door !== credential.door) continue;
          for (const path of pathsAimedAtA(op)) {
            const { status, text } = await send(op, path, credential.authorization);
            const where = `${credential.name}: ${label(op)} as ${path} → ${status}`;
            const bodyNamesA = op.bodyTypes.length > 0 && JSON.stringify(bodyAimedAtA(op)).includes(aPlatform.timebackWebhook);
            const aimedAtA = bodyNamesA || aIds.some((id) => path.includes(encodeURIComponent(id)));
            // A compat route carries no tenant in its path; it may refuse B's body before looking anything up.
            const validationFirst = !op.path.startsWith('/v1/') && (status === 400 || status === 422);
            if (aimedAtA && status !== 403 && status !== 404 && !validationFirst) problems.push(`${where}: expected 403 or 404`);
            if (status >= 500) problems.push(`${where}: server error`);
            // An answer may echo what B sent (an id holding the marker); anything else of A's is a leak.
            for (const secret of aSecrets) if (text.includes(secret) && !path.includes(secret)) problems.push(`${where}: body shows A's ${secret.slice(0, 8)}…`);
            for (const id of aIds) if (!path.includes(encodeURIComponent(id)) && text.includes(id)) problems.push(`${where}: body names A's ${id}`);
          }
        }
      }
      expect(problems).toEqual([]);
      // Thousands of sequential requests: on a loaded 2-core machine this walk outlasts the default 30 s.
    }, 180_000);

    it("leaves A's objects as they were, and the audit log shows no change by B", async () => {
      const subscription = await call(server, 'GET', `/v1/tenants/${a.id}/subscriptions/${aObjects.subscription}`, { token: a.key });
      expect(subscription.status).toBe(200);
      expect(subscription.body.url).toContain('/a-only-');
      const secret = await call(server, 'GET', `/v1/tenants/${a.id}/subscriptions/${aObjects.subscription}/secret`, { token: a.key });
      expect(aSecrets).toContain(secret.body.secret);
      const keys = await call(server, 'GET', `/v1/tenants/${a.id}/api-keys`, { token: server.adminToken });
      expect(keys.body.data.every((k: { revoked_at: string | null }) => k.revoked_at === null)).toBe(true);
      for (const [route, ok] of [
        [`/compat/schoolmaker/api/v1/webhooks/${aPlatform.schoolmakerWebhook}`, 200],
        [`/compat/kajabi/v1/hooks/${aPlatform.kajabiHook}`, 200],
        [`/compat/thinkific/api/v2/webhooks/${aPlatform.thinkificWebhook}`, 200],
        [`/compat/thinkific/api/v2/events/${aPlatform.thinkificEvent}`, 200],
        [`/compat/timeback/webhooks/${aPlatform.timebackWebhook}`, 200],
        [`/compat/timeback/webhook-filters/${aPlatform.timebackFilter}`, 200],
        [`/compat/fourthwall/open-api/v1.0/webhooks/${aPlatform.fourthwallWebhook}`, 200],
        [`/compat/svix/api/v1/app/${aPlatform.svixApplicationUid}`, 200],
        [`/compat/svix/api/v1/app/${aPlatform.svixApplication}/endpoint/${aPlatform.svixEndpoint}`, 200],
        [`/compat/svix/api/v1/app/${aPlatform.svixApplication}/msg/${aPlatform.svixMessage}`, 200],
      ] as const) {
        expect((await call(server, 'GET', route, { token: a.key })).status, route).toBe(ok);
      }
      const timeback = await call(server, 'GET', `/compat/timeback/webhooks/${aPlatform.timebackWebhook}`, { token: a.key });
      expect(timeback.body.webhook).toMatchObject({ active: true, deletedAt: null });
      const filters = await call(server, 'GET', `/compat/timeback/webhook-filters/webhook/${aPlatform.timebackWebhook}`, { token: a.key });
      expect(filters.body.filters).toHaveLength(1);
      // B made changes in its own tenant through the doors; none concerns A or the instance.
      const log = await call(server, 'GET', '/v1/audit-log?limit=250', { token: server.adminToken });
      const bActors = new Set(bCredentials.map((credential) => credential.actorId));
      const byB = log.body.data.filter((e: { actor: { id: string }; tenant_id: string | null }) => bActors.has(e.actor.id) && e.tenant_id !== bTenantId);
      expect(byB).toEqual([]);
    });
  });
});
