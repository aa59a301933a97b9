import { afterAll, describe, expect, it } from 'vitest';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.js';
import { startProcess, type HookpostProcess } from '../support/process.js';
import { Ledger, untilDone } from './ledger.js';
import { admin, chaosEnv, publishAtRate, setUp, sleep } from './scenario.js';

// SIGKILL at random moments of a load on SQLite, restarting at once each time. The lease is an
// hour: a restart that waited for the dead process's leases would stall the test, so finishing
// proves that a restart takes back what the dead process held in flight.

const KILLS = 3;
const ENDPOINT_CONCURRENCY = 4;

describe('chaos: SIGKILL at random moments (SQLite)', () => {
  const processes: HookpostProcess[] = [];
  let receiver: CountingReceiver | undefined;
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await receiver?.close();
  });

  it('loses nothing acknowledged and resumes at once after each kill', async () => {
    receiver = await startCountingReceiver(() => ({ status: 200, delayMs: 15 }));
    const counting = receiver;
    const env = chaosEnv({ HOOKPOST_LEASE: '1h', HOOKPOST_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY) });
    const token = env.HOOKPOST_ADMIN_TOKEN!;
    let server = await startProcess(env);
    processes.push(server);
    await setUp(server, token, 'kill', ['kill.order'], [{ url: counting.url, types: ['kill.order'] }]);

    const ledger = new Ledger('SIGKILL at random moments (SQLite)');
    let target = server;
    const load = publishAtRate(100, async (n) => {
      const answer = await admin(target, token, 'POST', '/v1/tenants/kill/events', { type: 'kill.order', data: { n } });
      // Calls cut off by the kill were never acknowledged; a 202 is a promise the ledger holds us to.
      if (answer.status === 202) ledger.publish(answer.body.id);
      else expect([0, 503]).toContain(answer.status);
    });
    for (let kill = 0; kill < KILLS; kill += 1) {
      await sleep(700 + Math.random() * 1800);
      server.child.kill('SIGKILL');
      await server.exited;
      // A subscription holds at most twice its concurrency in flight: the most a kill can leave half-done.
      ledger.inFlightAtFaults += 2 * ENDPOINT_CONCURRENCY;
      // Starts at once: the kernel dropped the dead process's sender lock with it.
      server = await startProcess(env);
      processes.push(server);
      target = server;
    }
    await sleep(1000);
    await load.stop();

    await untilDone(() => ledger.missing(counting.accepted).length === 0, () => counting.accepted.size, 30_000, 'every acknowledged event delivered');
    for (const [id, n] of counting.received) for (let i = 0; i < n; i += 1) ledger.receive(id);
    ledger.settle();
    // A kill that finds nothing in flight has nothing to take back: at least one restart must have.
    expect(processes.map((p) => p.output()).join('\n')).toContain('took back the deliveries a stopped process held in flight');
  }, 180_000);
});
