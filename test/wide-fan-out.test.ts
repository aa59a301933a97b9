import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { planDeliveries } from '../src/service/event-plan.js';
import { FAN_OUT_PART, inParts, writeInParts } from '../src/service/fan-out.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// A wide fan-out (an event to more subscriptions than FAN_OUT_PART) is written in parts, the event
// with the first and a task that owns the rest (src/service/fan-out.ts). These check that every
// subscription gets the event exactly once: when the publish writes every part itself, and when its
// writer died after the first part and a task runner finishes the fan-out.

const TYPE = 'fanout.wide';
// Two full parts after the first, and one delivery more: three parts, the last of one.
const WIDTH = 2 * FAN_OUT_PART + 1;

describeEachStore('wide fan-out written in parts', (testStore) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await testStore.freshDatabaseUrl() });
    await defineEventType(server, TYPE);
    await defineEventType(server, 'fanout.other');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  /** `count` subscriptions to the receiver, each at its own path, so arrivals tell them apart. */
  async function subscribeMany(count: number, prefix: string): Promise<void> {
    for (let start = 0; start < count; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, (_, i) => subscribe(server, tenant, { url: `${receiver.url}/${prefix}${start + i}`, event_types: [TYPE] })),
      );
    }
  }

  /** The paths the receiver got, once all `count` arrived and nothing more came for a moment. */
  async function arrivals(count: number): Promise<string[]> {
    await receiver.waitFor(count, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return receiver.requests.map((request) => request.path);
  }

  it('delivers an event to every one of its subscriptions exactly once, and its writer marks the task done', async () => {
    await subscribeMany(WIDTH, 's');
    await subscribe(server, tenant, { url: `${receiver.url}/other`, event_types: ['fanout.other'] });
    const published = await publish(server, tenant, { type: TYPE, data: { order: 1 } });
    expect(published.status).toBe(202);

    const paths = await arrivals(WIDTH);
    expect(paths).toHaveLength(WIDTH);
    expect(new Set(paths).size).toBe(WIDTH);
    expect(paths).not.toContain('/hook/other');
    // Done, not left running for a runner: none is there to take even after its lease would have run out.
    expect(await server.runtime.service.store.claimTask('probe', Date.now() + 60_000, 1000)).toBeUndefined();
  });

  it('finishes the fan-out of a writer that died after the first part: each subscription that existed gets it once', async () => {
    await subscribeMany(WIDTH, 's');
    const deps = server.runtime.service;
    const write = await planDeliveries(deps, tenant.id, { type: TYPE, data: { order: 2 } });
    expect(write.deliveries).toHaveLength(WIDTH);
    const parts = inParts(write, Date.now());
    // As the dead writer left it: the event, its first part and the task, whose lease has run out,
    // and a hundred deliveries of the next part that it wrote before it died.
    const started = parts.first.task!;
    await deps.store.insertEvents([{ ...parts.first, task: { ...started, lease: { owner: 'writer-that-died', until: Date.now() - 1 } } }]);
    await deps.store.insertDeliveries(tenant.id, write.event.id, parts.rest[0]!.slice(0, 100), write.event.createdAt);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // A subscription made after the event was published does not get it.
    await subscribe(server, tenant, { url: `${receiver.url}/late`, event_types: [TYPE] });

    const task = await eventually(async () => {
      const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/tasks/${started.task.id}`, { token: tenant.key });
      expect(response.status).toBe(200);
      return response.body.status === 'done' ? response.body : undefined;
    }, 30_000, 'the fan-out task to be finished');
    expect(task).toMatchObject({ kind: 'fan_out', params: { event_id: write.event.id }, progress: { written: WIDTH - 100 } });

    const paths = await arrivals(WIDTH);
    expect(paths).toHaveLength(WIDTH);
    expect(new Set(paths).size).toBe(WIDTH);
    expect(paths).not.toContain('/hook/late');
  });

  it('stops a writer that fell a lease behind at its next part, so the runner that took over writes the rest: once each', async () => {
    await subscribeMany(WIDTH, 's');
    const warnings: string[] = [];
    const deps = { ...server.runtime.service, warn: (message: string) => warnings.push(message) };
    const write = await planDeliveries(deps, tenant.id, { type: TYPE, data: { order: 3 } });
    const parts = inParts(write, Date.now());
    const { task } = parts.first.task!;
    // The writer commits the event with its first part, then stalls past its lease: another
    // process's runner takes the task over before the writer's next part.
    const result = await writeInParts(deps, parts, async () => {
      const [written] = await deps.store.insertEvents([parts.first]);
      expect(await deps.store.claimTask('took-over', Date.now() + 60_000, 1000)).toMatchObject({ id: task.id });
      return written!;
    });
    expect(result.created).toBe(true);
    const subscriptions = write.deliveries.map((delivery) => delivery.subscriptionId);
    expect((await deps.store.subscriptionsReached(tenant.id, write.event.id, subscriptions)).size).toBe(FAN_OUT_PART);
    expect(warnings).toEqual([`a task runner took over event ${write.event.id}'s fan-out from its writer (task ${task.id})`]);

    // The runner that took it over stops too (its lease runs out unrenewed): this server's runner finishes it.
    await deps.store.saveTaskProgress(task.id, 'took-over', { progress: { written: FAN_OUT_PART }, cursor: null, done: false, leaseUntil: Date.now() - 1 }, Date.now());
    await eventually(async () => ((await deps.store.getTask(tenant.id, task.id))?.status === 'done' ? true : undefined), 30_000, 'the fan-out task to be finished');
    const paths = await arrivals(WIDTH);
    expect(paths).toHaveLength(WIDTH);
    expect(new Set(paths).size).toBe(WIDTH);
  });
});
