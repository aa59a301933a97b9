import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { loadConfig } from '../../src/config/config.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../../src/cli/runtime.js';

/** A Hookpost running in this process on a real database and a real port. */
export interface TestServer {
  url: string;
  adminToken: string;
  runtime: Runtime;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts Hookpost on 127.0.0.1 with loopback targets allowed and fast polling; `env` overrides settings. */
export async function startServer(
  options: { databaseUrl?: string; env?: Record<string, string>; overrides?: RuntimeOverrides } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-data-'));
  const adminToken = `hpa_test_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    HOOKPOST_DATA_DIR: dataDir,
    HOOKPOST_DATABASE_URL: options.databaseUrl ?? `sqlite:${path.join(dataDir, 'hookpost.db')}`,
    HOOKPOST_ADMIN_TOKEN: adminToken,
    HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
    HOOKPOST_POLL_INTERVAL: '50ms',
    HOOKPOST_RETRY_JITTER: '0',
    ...options.env,
  });
  const runtime = await createRuntime(config, pino({ level: process.env.HOOKPOST_TEST_LOG_LEVEL ?? 'silent' }), options.overrides);
  const url = await runtime.app.listen({ host: '127.0.0.1', port: 0 });
  await runtime.startDelivery();
  return { url, adminToken, runtime, dataDir, close: () => runtime.close() };
}

/** An HTTP answer with its parsed JSON body. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Calls the API with a bearer token; `body` is sent as JSON unless it is a string. */
export async function call<T = any>(
  server: { url: string },
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  route: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await request(new URL(route, server.url), { method, headers, body: payload });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, headers: response.headers, body: parsed as T };
}

/** A tenant with a key holding the default tenant scopes. */
export interface TestTenant {
  id: string;
  key: string;
}

/** Creates a tenant and an API key for it. */
export async function createTenant(server: TestServer, id = `t_${randomBytes(4).toString('hex')}`): Promise<TestTenant> {
  const tenant = await call(server, 'POST', '/v1/tenants', { token: server.adminToken, body: { id, name: `Tenant ${id}` } });
  if (tenant.status !== 201) throw new Error(`creating a tenant answered ${tenant.status}: ${JSON.stringify(tenant.body)}`);
  const key = await call(server, 'POST', `/v1/tenants/${id}/api-keys`, { token: server.adminToken, body: {} });
  if (key.status !== 201) throw new Error(`creating a key answered ${key.status}`);
  return { id, key: key.body.key };
}

/** Registers an event type (ignoring "exists already"). */
export async function defineEventType(server: TestServer, name: string, schema?: object, example?: object): Promise<void> {
  const response = await call(server, 'POST', '/v1/event-types', {
    token: server.adminToken,
    body: { name, description: `${name} happened`, ...(schema ? { schema } : {}), ...(example ? { example } : {}) },
  });
  if (response.status !== 201 && response.status !== 409) throw new Error(`event type answered ${response.status}: ${JSON.stringify(response.body)}`);
}

/** Creates a subscription for the tenant and returns its body (with `id` and `secret`). */
export async function subscribe(server: TestServer, tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const response = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body });
  if (response.status !== 201) throw new Error(`subscribe answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Publishes an event and returns the answer. */
export function publish(server: TestServer, tenant: TestTenant, body: Record<string, unknown>) {
  return call(server, 'POST', `/v1/tenants/${tenant.id}/events`, { token: tenant.key, body });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
