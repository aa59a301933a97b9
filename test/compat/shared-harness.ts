import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver.js';
import { call, createTenant, publish, startServer, type TestServer, type TestTenant } from '../support/server.js';
import type { TestStore } from '../support/stores.js';

/** What each test of a platform suite works with. */
export interface PlatformFixture {
  server: TestServer;
  tenant: TestTenant;
  receiver: Receiver;
}

/**
 * The set-up every platform suite shares: one server per file on `store`, and for each test a
 * fresh tenant (so no other test's webhooks match its events) and a fresh receiver, handed to
 * `ready` before the test runs.
 */
export function usePlatformFixture(store: TestStore, ready: (fixture: PlatformFixture) => void): void {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    const tenant = await createTenant(server);
    const receiver = await startReceiver();
    ready({ server, tenant, receiver });
    return () => receiver.close();
  });
}

/** An answer of a platform route, as a plain `fetch` client sees it. */
export interface FetchAnswer {
  status: number;
  contentType: string | null;
  text: string;
  body: any;
}

/**
 * Calls a compat route with plain `fetch`, as a platform's client would: `base` is the platform's
 * base URL on this server (e.g. `/compat/thinkific/api/v2`).
 */
export async function platformFetch(
  server: TestServer,
  base: string,
  route: string,
  options: { method?: string; token?: string | null; body?: unknown; contentType?: string; headers?: Record<string, string> } = {},
): Promise<FetchAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${server.url}${base}${route}`, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, body: parsed };
}

/** A tenant key with exactly these scopes. */
export async function keyWithScopes(server: TestServer, tenant: TestTenant, scopes: string[]): Promise<string> {
  const answer = await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: { scopes } });
  expect(answer.status).toBe(201);
  return answer.body.key;
}

/** The Standard Webhooks secret of a subscription, read through the native API. */
export async function secretOf(server: TestServer, tenant: TestTenant, subscriptionId: string): Promise<string> {
  const answer = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscriptionId}/secret`, { token: tenant.key });
  expect(answer.status).toBe(200);
  return answer.body.secret;
}

/** Verifies a received request's Standard Webhooks headers and returns its parsed body. */
export function verifyStandardWebhook(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

/** Publishes through the native API and returns the event id; fails unless accepted. */
export async function publishEvent(server: TestServer, tenant: TestTenant, body: Record<string, unknown>): Promise<string> {
  const answer = await publish(server, tenant, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.id;
}

/** How many deliveries an event fanned out to. */
export async function deliveryCount(server: TestServer, tenant: TestTenant, eventId: string): Promise<number> {
  const answer = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key });
  expect(answer.status).toBe(200);
  return answer.body.data.length;
}
