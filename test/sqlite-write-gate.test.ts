import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/sqlite/native-handles.js';
import { sqliteFile } from '../src/store/index.js';
import { releaseWriteGatesOf, shareWriteGates, sharedByThreads, writeGateWithoutBlocking, yieldsToBlocked } from '../src/store/sqlite/write-gate.js';

// The write gate lets the threads of one process take turns writing a SQLite file (the API's
// publishes, the delivery thread's claims) instead of sleeping in SQLite's busy handler. Real
// threads on a real file: the workers run the built modules, as the delivery thread does.

const dist = (module: string) => pathToFileURL(path.resolve('dist/src/store/sqlite', module)).href;

// A worker that opens the file through openDatabase, with the gates this thread shared, and:
// - 'hold': enters a write transaction, flags that it is inside (flags[0] = 1), waits there until
//   released (flags[1] = 1), then inserts its row; or with exitInside, ends the thread while inside;
// - 'write': waits until the holder is inside, then inserts its row in a transaction.
// Each posts 'ready' once its database is open.
const WORKER = `
import { workerData, parentPort } from 'node:worker_threads';
const { openDatabase } = await import(workerData.nativeHandles);
const { adoptWriteGates } = await import(workerData.writeGate);
adoptWriteGates(workerData.gates);
const flags = new Int32Array(workerData.flags);
const db = openDatabase(workerData.file);
db.prepare('PRAGMA busy_timeout = 5000').get();
const insert = db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)');
parentPort.postMessage('ready');
if (workerData.role === 'hold') {
  db.transaction(() => {
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    if (workerData.exitInside) process.exit(0);
    Atomics.wait(flags, 1, 0, 10_000);
    insert.run('holder', Date.now());
  })();
} else {
  Atomics.wait(flags, 0, 0, 10_000);
  db.transaction(() => insert.run('writer', Date.now()))();
}
parentPort.postMessage('done');
`;

function startWorker(file: string, flags: SharedArrayBuffer, role: 'hold' | 'write', exitInside = false): Worker {
  return new Worker(WORKER, {
    eval: true,
    workerData: { file, flags, role, exitInside, gates: shareWriteGates(), nativeHandles: dist('native-handles.js'), writeGate: dist('write-gate.js') },
  });
}

const finished = (worker: Worker) => new Promise<void>((resolve, reject) => {
  worker.once('error', reject);
  worker.once('exit', () => resolve());
});

describe('SQLite write gate', () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  function freshFile() {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hookpost-gate-')), 'gate.db');
    const db = openDatabase(file);
    db.prepare('PRAGMA journal_mode = WAL').get();
    db.prepare('CREATE TABLE writes (n INTEGER PRIMARY KEY, who TEXT NOT NULL, at INTEGER NOT NULL)').run();
    return { file, db };
  }

  it('makes a second thread wait for a transaction in progress, and runs it right after', async () => {
    const { file, db } = freshFile();
    const flags = new SharedArrayBuffer(8);
    const holder = startWorker(file, flags, 'hold');
    const writer = startWorker(file, flags, 'write');
    workers.push(holder, writer);
    const done = [finished(holder), finished(writer)];
    // The holder is inside its transaction but has written nothing, so SQLite holds no write lock:
    // only the gate keeps the writer out.
    while (Atomics.load(new Int32Array(flags), 0) === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    expect(db.prepare('SELECT who FROM writes').all()).toEqual([]);
    const flagWords = new Int32Array(flags);
    Atomics.store(flagWords, 1, 1);
    Atomics.notify(flagWords, 1);
    await Promise.all(done);
    expect(db.prepare('SELECT who FROM writes ORDER BY n').all()).toEqual([{ who: 'holder' }, { who: 'writer' }]);
  });

  it('keeps a waiting thread\'s event loop running while it waits for the gate without blocking', async () => {
    const { file, db } = freshFile();
    const flags = new SharedArrayBuffer(8);
    const flagWords = new Int32Array(flags);
    const holder = startWorker(file, flags, 'hold');
    workers.push(holder);
    const done = finished(holder);
    while (Atomics.load(flagWords, 0) === 0) await new Promise((r) => setTimeout(r, 10));
    const insert = db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)');
    const order: string[] = [];
    const waiting = writeGateWithoutBlocking(file)!(() => {
      order.push('waiter writes');
      insert.run('waiter', 1);
    });
    // Only this timer lets the holder go: a thread blocked in its wait would never run it, and
    // would write first, after the gate's 5 s limit.
    setTimeout(() => {
      order.push('timer fired');
      Atomics.store(flagWords, 1, 1);
      Atomics.notify(flagWords, 1);
    }, 50);
    await waiting;
    await done;
    expect(order).toEqual(['timer fired', 'waiter writes']);
    expect(db.prepare('SELECT who FROM writes ORDER BY n').all()).toEqual([{ who: 'holder' }, { who: 'waiter' }]);
  });

  it('lets a thread blocked on the gate write before a writer that waits with a promise, right after such a writer\'s turn', async () => {
    const { file, db } = freshFile();
    const flags = new SharedArrayBuffer(8);
    const flagWords = new Int32Array(flags);
    const insert = db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)');
    const gate = writeGateWithoutBlocking(file)!;
    const blocked = startWorker(file, flags, 'write');
    workers.push(blocked);
    const done = finished(blocked);
    await new Promise((resolve) => blocked.once('message', resolve));
    await gate(() => {
      // The worker waits for this flag, then blocks on the gate this thread holds: 200 ms for it to get there.
      Atomics.store(flagWords, 0, 1);
      Atomics.notify(flagWords, 0);
      Atomics.wait(flagWords, 1, 0, 200);
      insert.run('first', 1);
    });
    // The gate was freed a moment ago, after a turn of a writer that waits with a promise, and the
    // worker has been blocked on it meanwhile: it goes first, though this thread asks at once.
    await gate(() => insert.run('second', 2));
    await done;
    expect(db.prepare('SELECT who FROM writes ORDER BY n').all()).toEqual([{ who: 'first' }, { who: 'writer' }, { who: 'second' }]);
  });

  it('lets a blocked thread go first only for one turn, and only when one is blocked', () => {
    expect(yieldsToBlocked({ free: true, blocked: 1, lastBlocking: false })).toBe(true);
    // The last turn was a blocked thread's: the writers with a promise get theirs.
    expect(yieldsToBlocked({ free: true, blocked: 1, lastBlocking: true })).toBe(false);
    expect(yieldsToBlocked({ free: true, blocked: 0, lastBlocking: false })).toBe(false);
    expect(yieldsToBlocked({ free: false, blocked: 2, lastBlocking: false })).toBe(false);
  });

  it('lets a thread that waited without blocking nest its gated statements and transactions', async () => {
    const { file, db } = freshFile();
    const insert = db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)');
    const inner = db.transaction((who: string) => insert.run(who, 1));
    await writeGateWithoutBlocking(file)!(() => {
      inner('first');
      insert.run('second', 2);
    });
    expect(db.prepare('SELECT who FROM writes ORDER BY n').all()).toEqual([{ who: 'first' }, { who: 'second' }]);
  });

  it('gates a file the threads share, never a private database (:memory:, a temporary), and the store URL follows the same rule', () => {
    expect(sharedByThreads(path.join(os.tmpdir(), 'hookpost.db'))).toBe(true);
    expect(sharedByThreads(':memory:')).toBe(false);
    expect(sharedByThreads('')).toBe(false);
    // The delivery thread starts the outcome thread only for a file (cli/delivery-thread.ts).
    expect(sqliteFile(`sqlite:${path.join(os.tmpdir(), 'hookpost.db')}`)).toBe(true);
    expect(sqliteFile('sqlite::memory:')).toBe(false);
    expect(sqliteFile('sqlite:')).toBe(false);
    expect(sqliteFile('postgres://postgres@127.0.0.1:5432/test')).toBe(false);
  });

  it('lets this thread nest transactions and write statements inside its own gate', () => {
    const { db } = freshFile();
    const insert = db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)');
    const inner = db.transaction((who: string) => insert.run(who, 1));
    db.transaction(() => {
      inner('outer-1');
      inner('outer-2');
    }).immediate();
    expect(db.prepare('SELECT who FROM writes ORDER BY n').all()).toEqual([{ who: 'outer-1' }, { who: 'outer-2' }]);
  });

  it('frees the gate of a thread that ended inside a transaction, so the others go on at once', async () => {
    const { file, db } = freshFile();
    const flags = new SharedArrayBuffer(8);
    const holder = startWorker(file, flags, 'hold', true);
    workers.push(holder);
    const { threadId } = holder;
    await finished(holder);
    expect(Atomics.load(new Int32Array(flags), 0)).toBe(1); // it ended inside
    releaseWriteGatesOf(threadId);
    const started = performance.now();
    db.prepare('INSERT INTO writes (who, at) VALUES (?, ?)').run('after', 1);
    // Without the release this write would wait out the gate's 5 s limit.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(db.prepare('SELECT who FROM writes').all()).toEqual([{ who: 'after' }]);
  });
});
