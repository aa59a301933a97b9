import path from 'node:path';
import { threadId } from 'node:worker_threads';

// Why this exists: the default single process writes one SQLite file from two threads (the API's
// publishes, the delivery thread's claims and outcomes), each on its own connection. SQLite's
// busy handler makes a writer that finds the file locked sleep 1, 2, 5, … up to 100 ms between
// tries, and nothing wakes it when the lock frees. Under a steady publish load the API thread
// commits again before the delivery thread's next try, so claims starved: measured with one
// thread committing back to back and another writing every 2 ms, the second got 5 to 10
// transactions in 3 s, waiting up to 1.9 s each; through this gate, 200 to 270, p50 3 to 4 ms.
// Threads of one process therefore take turns through a lock in shared memory, and a waiter is
// woken the moment the lock frees. SQLite's own locking still decides correctness: the gate only
// orders this process's writers, other processes still meet busy_timeout.
// The delivery thread's queue writes wait for the gate with a promise (writeGateWithoutBlocking)
// rather than Atomics.wait: blocked, it could neither send nor read responses while the API thread
// committed a batch (22 % of its time under the batch load). Its statements then run at once.
// A thread blocked on the gate (the API's thread, committing publishes whose answers wait for the
// commit) goes before those that wait with a promise, for one turn. Measured under a backlog, the
// delivery and outcome threads held the gate three quarters of the time (claims of about 4 ms,
// outcome batches of 3 ms, a tenth of them 10 ms), and a publish waited for it a p90 of 8–10 ms,
// through several of their turns. So a writer waiting with a promise that finds the gate free
// right after such a writer's turn, while a thread is blocked on it, lets that thread take it
// first (docs/performance.md, "18th session"). The publish then waits for at most the turn in
// progress and one more. The writers with a promise step back for one blocked thread's turn at a
// time, never two in a row: after it, they race for the gate as before.

/** A waiter proceeds without the gate after this long (the holder hung or died): SQLite's locks still apply. */
const WAIT_LIMIT_MS = 5_000;
/**
 * How long a writer waiting with a promise lets a blocked one go first, at most. A blocked thread
 * takes a freed gate within microseconds; one that does not in this time is not there (a thread
 * ended while it waited and left its count behind), and the count is dropped.
 */
const YIELD_MS = 25;
const FREE = 0;
const me = threadId + 1; // 0 means free

// The slots of a file's shared gate.
/** The holding thread's id + 1, or FREE. */
const HOLDER = 0;
/** How many threads are blocked waiting for the gate (Atomics.wait). */
const BLOCKED = 1;
/** 1 if the last holder entered through the blocking wait (whether it had to wait or not), 0 if through the wait with a promise. */
const LAST_BLOCKING = 2;
const SLOTS = 3;

/** One lock word per database file, shared by this process's threads. */
const words = new Map<string, Int32Array>();
/** How deep this thread is inside the gate of each file (transactions nest; statements run inside them). */
const depths = new Map<Int32Array, number>();
/** Gates this thread passed without holding (waited too long), so their release must not free them. */
const bypassed = new Set<Int32Array>();

/** Whether a SQLite path names a database this process's threads share: `:memory:` and '' (a temporary file) are private to their connection. */
export function sharedByThreads(file: string): boolean {
  return file !== ':memory:' && file !== '';
}

function wordFor(file: string): Int32Array | null {
  if (!sharedByThreads(file)) return null;
  const key = path.resolve(file);
  let word = words.get(key);
  if (!word) {
    word = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
    words.set(key, word);
  }
  return word;
}

function enter(word: Int32Array): void {
  const depth = depths.get(word) ?? 0;
  depths.set(word, depth + 1);
  if (depth > 0) return;
  const deadline = performance.now() + WAIT_LIMIT_MS;
  let counted = false;
  try {
    for (;;) {
      const holder = Atomics.compareExchange(word, HOLDER, FREE, me);
      if (holder === FREE) return;
      if (!counted) {
        Atomics.add(word, BLOCKED, 1);
        counted = true;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        bypassed.add(word);
        return;
      }
      Atomics.wait(word, HOLDER, holder, Math.min(left, 100));
    }
  } finally {
    if (counted) uncountBlocked(word);
  }
}

/** One blocked waiter fewer, never below 0 (a waiter that yielded may have dropped a count it thought stale). */
function uncountBlocked(word: Int32Array): void {
  for (;;) {
    const count = Atomics.load(word, BLOCKED);
    if (count <= 0 || Atomics.compareExchange(word, BLOCKED, count, count - 1) === count) return;
  }
}

/**
 * Whether a writer waiting with a promise lets a blocked one take the gate first: the gate is free,
 * a thread is blocked waiting for it, and the last turn was not a blocked thread's (so they step
 * back for one such turn at a time, never two in a row).
 */
export function yieldsToBlocked(gate: { free: boolean; blocked: number; lastBlocking: boolean }): boolean {
  return gate.free && gate.blocked > 0 && !gate.lastBlocking;
}

function readGate(word: Int32Array) {
  return { free: Atomics.load(word, HOLDER) === FREE, blocked: Atomics.load(word, BLOCKED), lastBlocking: Atomics.load(word, LAST_BLOCKING) === 1 };
}

// The same as enter, but the wait is a promise, so this thread's event loop keeps running
// meanwhile (the delivery thread goes on sending and reading responses while the API thread
// commits). The depth is counted only once the gate is held: until then this thread holds nothing.
async function enterWithoutBlocking(word: Int32Array): Promise<void> {
  const deadline = performance.now() + WAIT_LIMIT_MS;
  // When this waiter stops letting a blocked thread go first (0: not yielding now).
  let yieldUntil = 0;
  for (;;) {
    const depth = depths.get(word) ?? 0;
    if (depth === 0 && yieldsToBlocked(readGate(word))) {
      const now = performance.now();
      if (yieldUntil === 0) yieldUntil = now + YIELD_MS;
      if (now < yieldUntil) {
        // Woken by the notify that ends the blocked thread's turn (at once if it holds the gate already).
        const waited = Atomics.waitAsync(word, HOLDER, FREE, yieldUntil - now);
        if (waited.async) await waited.value;
        continue;
      }
      // No blocked thread took the gate in all that time: none is really blocked on it (one ended
      // while it waited, and its count was left behind).
      Atomics.store(word, BLOCKED, 0);
    }
    yieldUntil = 0;
    // Held by this thread already (another of its calls got in while this one waited): nest.
    if (depth > 0 || Atomics.compareExchange(word, HOLDER, FREE, me) === FREE) {
      depths.set(word, depth + 1);
      return;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      depths.set(word, 1);
      bypassed.add(word);
      return;
    }
    const holder = Atomics.load(word, HOLDER);
    if (holder === FREE) continue;
    const waited = Atomics.waitAsync(word, HOLDER, holder, Math.min(left, 100));
    if (waited.async) await waited.value;
  }
}

/**
 * Leaves the gate; the outermost call frees it. `blocking`: whether that call entered through the
 * blocking wait (the nested calls' kind does not matter: only the outermost reaches depth 0).
 */
function leave(word: Int32Array, blocking: boolean): void {
  const depth = (depths.get(word) ?? 1) - 1;
  depths.set(word, depth);
  if (depth > 0) return;
  if (bypassed.delete(word)) return;
  Atomics.store(word, LAST_BLOCKING, blocking ? 1 : 0);
  Atomics.store(word, HOLDER, FREE);
  // Every waiter, not one: a waiter woken in a busy event loop tries only when that loop gets to
  // it, and a waiter of another thread must not sleep out its timeout meanwhile.
  Atomics.notify(word, HOLDER);
}

/** Runs `work` holding the file's gate (at once when this thread already holds it). */
export type Gated = <T>(work: () => T) => T;

/** The gate of a database file for this thread, or null for an in-memory database. */
export function writeGate(file: string): Gated | null {
  const word = wordFor(file);
  if (!word) return null;
  return (work) => {
    enter(word);
    try {
      return work();
    } finally {
      leave(word, true);
    }
  };
}

/** Runs `work` holding the file's gate, like Gated, but waits for the gate without blocking this thread. */
export type GatedWithoutBlocking = <T>(work: () => T) => Promise<T>;

/**
 * The gate of a database file for this thread, waited for asynchronously, or null for an
 * in-memory database. `work` runs synchronously once the gate is held, so the gated statements
 * and transactions inside it pass at once (they nest).
 */
export function writeGateWithoutBlocking(file: string): GatedWithoutBlocking | null {
  const word = wordFor(file);
  if (!word) return null;
  return async (work) => {
    await enterWithoutBlocking(word);
    try {
      return work();
    } finally {
      leave(word, false);
    }
  };
}

/** The gates this thread knows, to hand to a worker thread it starts (in `workerData`). */
export function shareWriteGates(): Record<string, SharedArrayBuffer> {
  return Object.fromEntries([...words].map(([file, word]) => [file, word.buffer as SharedArrayBuffer]));
}

/** Takes the gates a parent thread shared; call before opening the same files. */
export function adoptWriteGates(shared: Record<string, SharedArrayBuffer> | undefined): void {
  for (const [file, buffer] of Object.entries(shared ?? {})) if (!words.has(file)) words.set(file, new Int32Array(buffer));
}

/** Frees every gate the given thread held when it ended (a crashed worker must not block the others). */
export function releaseWriteGatesOf(deadThreadId: number): void {
  for (const word of words.values()) {
    if (Atomics.compareExchange(word, HOLDER, deadThreadId + 1, FREE) === deadThreadId + 1) Atomics.notify(word, HOLDER);
  }
}
