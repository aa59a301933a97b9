// The outcome writer's SQLite transactions on a thread of their own (started by the delivery
// thread, see outcome-thread-handle.ts): it opens its own connection to the same file and records
// each batch of outcomes it is sent, answering once the batch committed or failed.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/config.js';
import { queueOptions } from '../runtime/sending.js';
import { createStore } from '../store/index.js';
import { adoptWriteGates } from '../store/sqlite/write-gate.js';
import { unpackOutcomes } from './outcome-columns.js';

/** A batch to record, numbered by the sender to match the answer: its outcomes packed by `packOutcomes` (outcome-columns.ts). */
export interface OutcomeBatch {
  id: number;
  outcomes: unknown[];
}

/** The answer to one batch: committed, or the write's error message (the sender retries). */
export type OutcomeAnswer = { id: number; error: null } | { id: number; error: string };

async function main(): Promise<void> {
  const port = parentPort!;
  const config = loadConfig(workerData.env as Record<string, string | undefined>);
  adoptWriteGates(workerData.writeGates as Record<string, SharedArrayBuffer> | undefined);
  // It only records outcomes: none of the lookups the cache serves.
  const store = await createStore(config.databaseUrl, { queue: queueOptions(config), lookupCache: false });
  port.on('message', (batch: OutcomeBatch) => {
    store.recordOutcomes(unpackOutcomes(batch.outcomes)).then(
      () => port.postMessage({ id: batch.id, error: null } satisfies OutcomeAnswer),
      (error: unknown) => port.postMessage({ id: batch.id, error: error instanceof Error ? error.message : String(error) } satisfies OutcomeAnswer),
    );
  });
  port.postMessage('ready');
}

if (!isMainThread) await main();
