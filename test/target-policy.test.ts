import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { startReceiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';

/** A resolver that answers every name with `addresses`, as a hostile DNS server would. */
function resolverAnswering(addresses: string[]): LookupFunction {
  const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, answer);
    else callback(null, answer[0]!.address, answer[0]!.family);
  }) as unknown as LookupFunction;
}

async function attemptsOf(server: TestServer, tenant: TestTenant, count: number) {
  return eventually(async () => {
    const list = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries`, { token: tenant.key });
    const attempts = list.body.data.flatMap((d: { attempts: unknown[] }) => d.attempts);
    return attempts.length >= count ? attempts : undefined;
  }, 10_000, `${count} attempts`);
}

describe('target policy configuration', () => {
  it('reads HOOKPOST_ALLOWED_PORTS, HOOKPOST_ALLOWED_DOMAINS and HOOKPOST_DENIED_DOMAINS', () => {
    const config = loadConfig({
      HOOKPOST_ALLOWED_PORTS: '443, 8443',
      HOOKPOST_ALLOWED_DOMAINS: 'example.com,hooks.example.org',
      HOOKPOST_DENIED_DOMAINS: 'internal.example.com',
    });
    expect(config.targetPolicy).toEqual({
      allowPrivateTargets: false,
      allowedPorts: [443, 8443],
      allowedDomains: ['example.com', 'hooks.example.org'],
      deniedDomains: ['internal.example.com'],
    });
    expect(loadConfig({}).targetPolicy).toEqual({ allowPrivateTargets: false, allowedPorts: null, allowedDomains: null, deniedDomains: null });
  });

  it('refuses a port list that is not ports', () => {
    for (const bad of ['0', '65536', 'https', '443;80', '1.5']) {
      expect(() => loadConfig({ HOOKPOST_ALLOWED_PORTS: bad }), bad).toThrow(ConfigError);
    }
  });
});

describe('subscription targets under the configured policy', () => {
  it('refuses ports and domains outside the lists with a precise reason', async () => {
    const server = await startServer({
      env: {
        HOOKPOST_ALLOW_PRIVATE_TARGETS: '0',
        HOOKPOST_ALLOWED_PORTS: '443',
        HOOKPOST_ALLOWED_DOMAINS: 'example.com',
        HOOKPOST_DENIED_DOMAINS: 'internal.example.com',
      },
    });
    try {
      const tenant = await createTenant(server);
      const attempt = (url: string) =>
        call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { url, event_types: ['*'] } });
      const cases: Array<[string, number, string, string]> = [
        ['https://hooks.example.com:8443/in', 422, 'validation_failed', 'port_not_allowed'],
        ['http://hooks.example.com/in', 422, 'validation_failed', 'port_not_allowed'],
        ['https://hooks.example.net/in', 422, 'validation_failed', 'domain_not_allowed'],
        ['https://db.internal.example.com/in', 422, 'validation_failed', 'domain_not_allowed'],
        ['https://127.0.0.1/in', 422, 'forbidden_target', 'forbidden_address'],
        ['https://[fd00:ec2::254]/', 422, 'forbidden_target', 'forbidden_address'],
        ['https://2852039166/', 422, 'forbidden_target', 'forbidden_address'],
      ];
      for (const [url, status, code, reason] of cases) {
        const response = await attempt(url);
        expect(response.status, url).toBe(status);
        expect(response.body.error.code, url).toBe(code);
        expect(response.body.error.details[0], url).toMatchObject({ pointer: '/url', reason });
      }
      expect((await attempt('https://hooks.example.com/in')).status).toBe(201);
      // A PATCH is held to the same policy.
      const created = await attempt('https://a.example.com/in');
      const patched = await call(server, 'PATCH', `/v1/tenants/${tenant.id}/subscriptions/${created.body.id}`, {
        token: tenant.key,
        body: { url: 'https://a.example.com:22/' },
      });
      expect(patched.status).toBe(422);
    } finally {
      await server.close();
    }
  });
});

describe('outbound requests', () => {
  it.each([
    ['127.0.0.1'],
    ['::1'],
    ['::ffff:127.0.0.1'],
    ['64:ff9b::7f00:1'],
    ['169.254.169.254'],
    ['fd00:ec2::254'],
    ['10.0.0.8'],
  ])('never connect to a name that resolves to %s', async (address) => {
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const server = await startServer({ env: { HOOKPOST_ALLOW_PRIVATE_TARGETS: '0' }, overrides: { lookup: resolverAnswering([address]) } });
    try {
      const tenant = await createTenant(server);
      await defineEventType(server, 'ssrf.probe');
      // Names are judged when they resolve, so the subscription itself is accepted.
      await subscribe(server, tenant, { url: `http://innocent.example.test:${port}/hook`, event_types: ['ssrf.probe'] });
      await publish(server, tenant, { type: 'ssrf.probe', data: {} });
      const [attempt] = await attemptsOf(server, tenant, 1);
      expect(attempt).toMatchObject({ error_class: 'forbidden_address', status_code: null, succeeded: false });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it('never follow a redirect, not even to an address the policy would allow', async () => {
    const inner = await startReceiver();
    const outer = await startReceiver(() => ({ status: 307, headers: { location: inner.url } }));
    const server = await startServer({ env: { HOOKPOST_RETRY_SCHEDULE: '0' } });
    try {
      const tenant = await createTenant(server);
      await defineEventType(server, 'ssrf.redirect');
      await subscribe(server, tenant, { url: outer.url, event_types: ['ssrf.redirect'] });
      await publish(server, tenant, { type: 'ssrf.redirect', data: {} });
      const [attempt] = await attemptsOf(server, tenant, 1);
      expect(attempt).toMatchObject({ status_code: 307, error_class: 'bad_status', succeeded: false });
      expect(outer.requests).toHaveLength(1);
      expect(inner.requests).toHaveLength(0);
    } finally {
      await server.close();
      await inner.close();
      await outer.close();
    }
  });

  it('apply a port list tightened after the subscription was made', async () => {
    const receiver = await startReceiver();
    // Both servers share the database, so they share the key that seals its secrets.
    const HOOKPOST_SECRET_KEY = randomBytes(32).toString('hex');
    const first = await startServer({ env: { HOOKPOST_SECRET_KEY } });
    const databaseUrl = `sqlite:${first.dataDir}/hookpost.db`;
    const tenant = await createTenant(first);
    await defineEventType(first, 'ssrf.ports');
    await subscribe(first, tenant, { url: receiver.url, event_types: ['ssrf.ports'] });
    await first.close();
    const second = await startServer({ databaseUrl, env: { HOOKPOST_ALLOWED_PORTS: '443', HOOKPOST_SECRET_KEY } });
    try {
      await publish(second, tenant, { type: 'ssrf.ports', data: {} });
      const [attempt] = await attemptsOf(second, tenant, 1);
      expect(attempt).toMatchObject({ error_class: 'forbidden_address', status_code: null });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await second.close();
      await receiver.close();
    }
  });
});
