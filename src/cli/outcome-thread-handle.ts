import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DeliveryOutcome, Store } from '../store/store.js';
import { startGatedWorker } from './gated-worker.js';
import { packOutcomes } from './outcome-columns.js';
import type { OutcomeAnswer, OutcomeBatch } from './outcome-thread.js';

// Why outcomes are written on a thread of their own (SQLite only): recording them was a seventh to
// a fifth of the delivery thread's time under a batch load and a fan-out (the attempt's INSERT, the
// delivery's UPDATE through its indexes, the commit), and that thread is the busier of the two
// while the API's is idle or waiting for its fsync. Posting a batch costs the delivery thread a
// copy instead, of one flat array of primitives (outcome-columns.ts; docs/performance.md, "13th
// session" and "14th session"). A PostgreSQL write is a round trip, not CPU, so it stays where it is.

// Fewer outcomes than this are written on the delivery thread, as before: at a light load (a few
// outcomes per 5 ms window) a batch's work is less than waking another thread for it, and the
// publishes' commits, which take turns with these writes, wait no longer. Under a fan-out or a
// batch load most batches hold 20 to 130 outcomes (measured).
export const OUTCOMES_FOR_THE_THREAD = 16;

/** Where the outcome writer's batches go: `recordOutcomes` as the store's, and `close` once nothing more comes. */
export interface OutcomeThread extends Pick<Store, 'recordOutcomes'> {
  close(): Promise<void>;
}

/**
 * The delivery thread's side of the outcome thread: a batch of OUTCOMES_FOR_THE_THREAD or more
 * goes to the thread, a smaller one to `store` on this thread. The thread starts with the first
 * batch it gets (an idle or lightly loaded server does not pay for it) and again after it ended:
 * a batch it had not answered fails, and the outcome writer retries it, so nothing is lost, only
 * late. If a thread cannot start, `store` writes every batch from then on. `env` is the process's
 * settings, as the delivery thread got them.
 */
export function outcomeThread(env: Record<string, string | undefined>, logger: Pick<Logger, 'error'>, store: Pick<Store, 'recordOutcomes'>): OutcomeThread {
  let worker: Promise<Worker> | null = null;
  let running: Worker | null = null;
  let nextId = 0;
  // Set once a thread failed to start: every batch is written on this thread from then on.
  let unstartable = false;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  const start = async (): Promise<Worker> => {
    const started = startGatedWorker(new URL('./outcome-thread.js', import.meta.url), { env });
    running = started;
    started.on('message', (answer: OutcomeAnswer | 'ready') => {
      if (answer === 'ready') return;
      const caller = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error === null) caller?.resolve();
      else caller?.reject(new Error(answer.error));
    });
    started.once('exit', (code) => {
      // What it had not answered is retried (a gate it held is freed by startGatedWorker).
      if (running === started) {
        running = null;
        worker = null;
      }
      // Batches go to one thread at a time (the next starts only once this one ended or closed).
      for (const caller of waiting.values()) caller.reject(new Error(`the outcome thread ended (exit code ${code})`));
      waiting.clear();
    });
    // An error ends the thread ('exit' follows); logged here, the batches waiting fail there.
    started.on('error', (error) => logger.error({ err: error }, 'the outcome thread failed'));
    // Its first message says its store is open; an exit before that fails the batch that started it.
    await new Promise<void>((resolve, reject) => {
      const ready = () => {
        started.off('exit', ended);
        resolve();
      };
      const ended = (code: number) => {
        started.off('message', ready);
        reject(new Error(`the outcome thread ended before it was ready (exit code ${code})`));
      };
      started.once('message', ready);
      started.once('exit', ended);
    });
    return started;
  };

  return {
    async recordOutcomes(outcomes: DeliveryOutcome[]): Promise<void> {
      if (unstartable || outcomes.length < OUTCOMES_FOR_THE_THREAD) return store.recordOutcomes(outcomes);
      worker ??= start();
      let ready: Worker;
      try {
        ready = await worker;
      } catch (error) {
        // It could not open the store (or failed to load): this thread's store writes the same
        // file, so it writes every batch from now on, rather than a thread being started in vain
        // at each of the outcome writer's retries.
        worker = null;
        if (!unstartable) logger.error({ err: error }, 'the outcome thread could not start; outcomes are written on the delivery thread');
        unstartable = true;
        return store.recordOutcomes(outcomes);
      }
      // Ended meanwhile: a message to it would never be answered.
      if (ready !== running) throw new Error('the outcome thread ended');
      const id = nextId++;
      const answered = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
      ready.postMessage({ id, outcomes: packOutcomes(outcomes) } satisfies OutcomeBatch);
      await answered;
    },
    async close(): Promise<void> {
      const closing = worker;
      worker = null;
      running = null;
      if (closing) await (await closing.catch(() => null))?.terminate();
    },
  };
}
