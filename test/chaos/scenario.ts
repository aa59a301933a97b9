import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';

/** Settings for a Hookpost under fault injection: loopback targets, no API rate limits, fast polling. */
export function chaosEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOOKPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hookpost-chaos-')),
    HOOKPOST_ADMIN_TOKEN: `hpa_${randomBytes(16).toString('hex')}`,
    HOOKPOST_SECRET_KEY: randomBytes(32).toString('hex'),
    HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
    HOOKPOST_POLL_INTERVAL: '100ms',
    HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '0',
    HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0',
    ...extra,
  };
}

const agent = new Agent({ connections: 32 });

/** Calls the API as the admin; resolves with the status and parsed body (or the network error's code as status 0). */
export async function admin(
  server: { url: string },
  token: string,
  method: 'POST' | 'GET' | 'PATCH' | 'DELETE',
  route: string,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  try {
    const response = await request(new URL(route, server.url), {
      method,
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : null, headers: response.headers };
  } catch {
    return { status: 0, body: null, headers: {} };
  }
}

/** A tenant, the event types and a subscription per `{ url, types }`; returns the subscription ids. */
export async function setUp(
  server: { url: string },
  token: string,
  tenant: string,
  types: string[],
  subscriptions: { url: string; types: string[] }[],
): Promise<string[]> {
  const must = async (answer: Promise<{ status: number; body: any }>, what: string) => {
    const { status, body } = await answer;
    if (status !== 201) throw new Error(`${what} answered ${status}: ${JSON.stringify(body)}`);
    return body;
  };
  await must(admin(server, token, 'POST', '/v1/tenants', { id: tenant, name: tenant }), 'creating the tenant');
  for (const name of types) await must(admin(server, token, 'POST', '/v1/event-types', { name }), `creating ${name}`);
  const ids: string[] = [];
  for (const s of subscriptions) {
    ids.push((await must(admin(server, token, 'POST', `/v1/tenants/${tenant}/subscriptions`, { url: s.url, event_types: s.types }), 'subscribing')).id);
  }
  return ids;
}

/** Publishes at `perSecond` until stop() is called; `onAnswer` hears each answer. */
export function publishAtRate(perSecond: number, publishOne: (n: number) => Promise<void>): { stop(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    const sent = publishOne(n++).finally(() => pending.delete(sent));
    pending.add(sent);
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
