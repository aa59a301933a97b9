import { Worker, type TransferListItem } from 'node:worker_threads';
import { releaseWriteGatesOf, shareWriteGates } from '../store/sqlite/write-gate.js';

/**
 * Starts a worker thread that writes the same SQLite files as this one: it gets this thread's
 * write gates (`workerData.writeGates`, for its `adoptWriteGates`), so its writes take turns with
 * this process's others instead of sleeping in busy_timeout, and any gate it held when it ended,
 * crashed or terminated mid-transaction, is freed so that it blocks no other thread.
 */
export function startGatedWorker(url: URL, workerData: Record<string, unknown>, transferList: TransferListItem[] = []): Worker {
  const worker = new Worker(url, { workerData: { ...workerData, writeGates: shareWriteGates() }, transferList });
  const { threadId } = worker;
  worker.once('exit', () => releaseWriteGatesOf(threadId));
  return worker;
}
