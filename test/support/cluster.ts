import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { spawnHookpost, type RoleProcess } from './processes.js';

/** Hookpost API and worker processes sharing one PostgreSQL database, with one subscription to a receiver. */
export interface Cluster {
  apis: RoleProcess[];
  workers: RoleProcess[];
  adminToken: string;
  tenantId: string;
  /** Publishes with the admin token through `api`; resolves with the status, the event id (on 202) and the Retry-After header. */
  publish(api: RoleProcess, data: object): Promise<{ status: number; id?: string; retryAfter?: string }>;
  stop(): Promise<void>;
}

/** Settings for every process of a cluster (one secret key for all, so any worker can open any subscription's secret). */
export function clusterEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOOKPOST_DATABASE_URL: databaseUrl,
    HOOKPOST_ADMIN_TOKEN: `hpa_${randomBytes(16).toString('hex')}`,
    HOOKPOST_SECRET_KEY: randomBytes(32).toString('hex'),
    HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
    HOOKPOST_LEASE: '3s',
    HOOKPOST_POLL_INTERVAL: '250ms',
    HOOKPOST_DATABASE_POOL_SIZE: '4',
    HOOKPOST_RETRY_JITTER: '0',
    // Load tests publish thousands of events a minute from one address with one key.
    HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '0',
    HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0',
    ...extra,
  };
}

/** Starts the API processes together (so their migrations race), then the workers, then subscribes `receiverUrl` to order.created. */
export async function startCluster(options: {
  env: Record<string, string>;
  apis: number;
  workers: number;
  receiverUrl: string;
  /** More fields of the subscription (limits, ordering, …). */
  subscription?: Record<string, unknown>;
}): Promise<Cluster> {
  const started: RoleProcess[] = [];
  const track = async (p: Promise<RoleProcess>) => {
    const process = await p;
    started.push(process);
    return process;
  };
  const agent = new Agent({ connections: 64 });
  const stop = async () => {
    await Promise.all(started.map((p) => p.kill('SIGTERM')));
    await agent.close();
  };
  try {
    const apis = await Promise.all(Array.from({ length: options.apis }, () => track(spawnHookpost('api', options.env))));
    const workers = await Promise.all(Array.from({ length: options.workers }, () => track(spawnHookpost('worker', options.env))));
    const adminToken = options.env.HOOKPOST_ADMIN_TOKEN!;
    const tenantId = `t_${randomBytes(4).toString('hex')}`;
    const admin = async (route: string, body: object) => {
      const response = await request(new URL(route, apis[0]!.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher: agent,
      });
      const text = await response.body.text();
      if (response.statusCode !== 201) throw new Error(`POST ${route} answered ${response.statusCode}: ${text}\n${apis[0]!.output()}`);
    };
    await admin('/v1/event-types', { name: 'loadtest.ping', description: 'A load-test event' });
    await admin('/v1/tenants', { id: tenantId, name: 'Load' });
    await admin(`/v1/tenants/${tenantId}/subscriptions`, { url: options.receiverUrl, event_types: ['loadtest.ping'], ...options.subscription });
    return {
      apis,
      workers,
      adminToken,
      tenantId,
      async publish(api, data) {
        const response = await request(new URL(`/v1/tenants/${tenantId}/events`, api.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'loadtest.ping', data }),
          dispatcher: agent,
        });
        const text = await response.body.text();
        const retryAfter = response.headers['retry-after'];
        return {
          status: response.statusCode,
          ...(response.statusCode === 202 ? { id: (JSON.parse(text) as { id: string }).id } : {}),
          ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
