import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { createSecretBox } from '../src/core/secret-box.js';
import { PayloadSchemas } from '../src/service/payload-schemas.js';
import { createTenant as createTenantRecord } from '../src/service/tenants.js';
import { createApiKey } from '../src/service/api-keys.js';
import { createStore } from '../src/store/index.js';
import { call, createTenant, defineEventType, eventually, startServer, subscribe, type TestServer } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('audit log', (store) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
  });
  afterAll(() => server.close());

  async function auditLog(query = '', token: string | null = server.adminToken) {
    return call(server, 'GET', `/v1/audit-log${query}`, { token });
  }

  describe('the audit log', () => {
    it('records who created, changed, rotated, read, revoked and deleted what, newest first', async () => {
      const started = Date.now();
      const tenant = await createTenant(server);
      await defineEventType(server, 'audit.test');
      const subscription = await subscribe(server, tenant, { url: 'http://127.0.0.1:9/hook', event_types: ['audit.test'] });
      const route = `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`;
      expect((await call(server, 'PATCH', route, { token: tenant.key, body: { name: 'renamed' } })).status).toBe(200);
      const chosenSecret = `whsec_${randomBytes(24).toString('base64')}`;
      expect((await call(server, 'POST', `${route}/rotate-secret`, { token: tenant.key, body: { secret: chosenSecret } })).status).toBe(200);
      expect((await call(server, 'GET', `${route}/secret`, { token: tenant.key })).status).toBe(200);
      expect((await call(server, 'DELETE', route, { token: tenant.key })).status).toBe(204);
      const keys = await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken });
      const keyId = keys.body.data[0].id;
      expect((await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${keyId}`, { token: server.adminToken })).status).toBe(204);

      const log = await auditLog(`?tenant_id=${tenant.id}`);
      expect(log.status).toBe(200);
      const entries = log.body.data as any[];
      expect(entries.map((e) => e.action)).toEqual([
        'api_key.revoked',
        'subscription.deleted',
        'subscription.secret_read',
        'subscription.secret_rotated',
        'subscription.updated',
        'subscription.created',
        'api_key.created',
        'tenant.created',
      ]);
      const byTenantKey = { kind: 'api_key', id: keyId };
      expect(entries.find((e) => e.action === 'subscription.created')).toMatchObject({
        actor: byTenantKey,
        target_type: 'subscription',
        target_id: subscription.id,
        tenant_id: tenant.id,
        details: { url: 'http://127.0.0.1:9/hook', event_types: ['audit.test'] },
      });
      expect(entries.find((e) => e.action === 'subscription.updated').details).toEqual({ fields: ['name'] });
      expect(entries.find((e) => e.action === 'api_key.revoked')).toMatchObject({ actor: { kind: 'admin', id: 'admin' }, target_id: keyId });
      for (const entry of entries) expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(started - 5);
      // No secret ever lands in the log.
      expect(JSON.stringify(log.body)).not.toContain(chosenSecret);
      expect(JSON.stringify(log.body)).not.toContain(subscription.secret);
      expect(JSON.stringify(log.body)).not.toMatch(/hpk_/);
    });

    it('pages with a cursor without repeating or skipping entries', async () => {
      const tenant = await createTenant(server);
      for (let i = 0; i < 5; i++) await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: { name: `k${i}` } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await auditLog(`?tenant_id=${tenant.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((e: { id: string }) => e.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      const all = await auditLog(`?tenant_id=${tenant.id}&limit=250`);
      expect(seen).toEqual(all.body.data.map((e: { id: string }) => e.id));
      expect(seen).toHaveLength(7); // tenant, the helper's key, five more keys
      expect((await auditLog('?cursor=not-ours')).status).toBe(400);
    });

    it('filters by action', async () => {
      const log = await auditLog('?action=tenant.created');
      expect(log.body.data.length).toBeGreaterThan(0);
      expect(log.body.data.every((e: { action: string }) => e.action === 'tenant.created')).toBe(true);
    });

    it('is readable only by credentials bound to no tenant', async () => {
      const tenant = await createTenant(server);
      expect((await auditLog('', tenant.key)).status).toBe(403);
      expect((await auditLog('', null)).status).toBe(401);
      const auditor = await call(server, 'POST', '/v1/api-keys', { token: server.adminToken, body: { scopes: ['audit-log:read'] } });
      expect((await auditLog('', auditor.body.key)).status).toBe(200);
      const log = await auditLog('?action=api_key.created');
      expect(log.body.data[0]).toMatchObject({ tenant_id: null, target_id: auditor.body.id, details: { scopes: ['audit-log:read'] } });
    });

    it('does not log event publishing, which is data rather than configuration', async () => {
      const tenant = await createTenant(server);
      await defineEventType(server, 'audit.quiet');
      expect((await call(server, 'POST', `/v1/tenants/${tenant.id}/events`, { token: tenant.key, body: { type: 'audit.quiet', data: {} } })).status).toBe(202);
      const log = await auditLog(`?tenant_id=${tenant.id}`);
      expect(log.body.data.map((e: { action: string }) => e.action)).toEqual(['api_key.created', 'tenant.created']);
    });
  });

  describe('the audit fallback for routes that write no entry of their own', () => {
    it('records a successful change through a compat door, naming the route', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-audit-'));
      const store = await createStore(`sqlite:${path.join(dir, 'hookpost.db')}`);
      await store.migrate();
      const service = { store, secrets: createSecretBox(randomBytes(32)), now: Date.now, targetPolicy: { allowPrivateTargets: true } };
      const app = await buildApp({
        service,
        schemas: new PayloadSchemas(),
        adminToken: 'hpa_fallback',
        logger: pino({ level: 'silent' }),
        metrics: new Registry(),
        bodyLimitBytes: 65536,
        serveApi: true,
        compat: [
          {
            name: 'example',
            plugin: async (door) => {
              door.post('/hooks/:id', async () => ({ ok: true }));
              door.post('/hooks/:id/fail', async (_request, reply) => reply.status(400).send({ ok: false }));
            },
          },
        ],
      });
      try {
        await createTenantRecord(service, { id: 'acme', name: 'Acme' });
        const { key, token } = await createApiKey(service, { tenantId: 'acme' });
        const headers = { authorization: `Bearer ${token}` };
        expect((await app.inject({ method: 'POST', url: '/compat/example/hooks/h1', headers })).statusCode).toBe(200);
        expect((await app.inject({ method: 'POST', url: '/compat/example/hooks/h2/fail', headers })).statusCode).toBe(400);
        // The fallback writes after the response has gone (onResponse): wait for the entry to be recorded.
        const items = await eventually(async () => {
          const page = await store.listAuditEntries({}, { cursor: null, limit: 10 });
          return page.items.length > 0 ? page.items : undefined;
        }, 10_000, 'the fallback audit entry');
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({
          actor: { kind: 'api_key', id: key.id },
          action: 'POST /compat/example/hooks/:id',
          tenantId: 'acme',
          targetType: 'route',
          targetId: 'h1',
        });
      } finally {
        await app.close();
        await store.close();
      }
    });
  });
});
