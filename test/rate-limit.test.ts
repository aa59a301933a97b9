import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/api/rate-limit.js';
import { HookpostError } from '../src/core/errors.js';
import { call, createTenant, startServer, type TestServer } from './support/server.js';

describe('createRateLimiter', () => {
  it('allows a burst of perMinute, then refills at perMinute a minute', () => {
    let now = 0;
    const limiter = createRateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) limiter.take('k', 'x');
    let refused: unknown;
    try {
      limiter.take('k', 'x');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(HookpostError);
    expect((refused as HookpostError).code).toBe('rate_limited');
    expect((refused as HookpostError).details).toEqual({ retry_after: 1 });
    limiter.take('other', 'x'); // buckets are per key
    now += 1000;
    limiter.take('k', 'x');
    expect(() => limiter.take('k', 'x')).toThrow(HookpostError);
  });

  it('lets everything through at 0', () => {
    const limiter = createRateLimiter(0);
    for (let i = 0; i < 10_000; i++) limiter.take('k', 'x');
  });
});

describe('API rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '5', HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0' } });
  });
  afterAll(() => server.close());

  it('answers 429 with Retry-After in the native error shape once a credential spent its budget', async () => {
    const tenant = await createTenant(server); // the admin spent 2 of its 5
    const route = `/v1/tenants/${tenant.id}/subscriptions`;
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await call(server, 'GET', route, { token: tenant.key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(last!.body).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('credential'), details: { retry_after: expect.any(Number) } } });
    // Another credential from the same address still has its own budget.
    const other = await createTenant(server);
    expect((await call(server, 'GET', `/v1/tenants/${other.id}/subscriptions`, { token: other.key })).status).toBe(200);
    // Health checks are never throttled.
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('throttles the token endpoint per client address, in the OAuth error shape', async () => {
    const limited = await startServer({ env: { HOOKPOST_RATE_LIMIT_PER_ADDRESS: '3' } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await call(limited, 'POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: 'key_x', client_secret: 'guess' } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(last!.body.error).toBe('slow_down');
      expect(last!.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      // Unauthenticated guesses at the native API draw on the same address budget.
      const guess = await call(limited, 'GET', '/v1/tenants', { token: 'hpk_guess' });
      expect(guess.status).toBe(429);
      expect(guess.body.error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
});
