import type { AuditEntry, IdempotentRequest } from '../core/model.js';
import type { IdempotencyKeyClaim, IdempotentAnswer, InsertEventResult, NewEventWrite, Store } from '../store/store.js';

// A group is cut at this many writes, so one huge burst does not make one huge transaction.
const MAX_GROUP = 1000;

interface Waiting<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one kind of hot write: the writes waiting at the same moment (those that
 * arrived during the same turn of the event loop, or while the previous group was being written)
 * go to `writeMany` together, which writes them in ONE transaction, so one fsync (SQLite) or one
 * round trip (PostgreSQL) serves them all. Each call resolves only after its group committed (and
 * fails with its group), so an answer given after the write still means durable.
 */
export class GroupCommit<I, R> {
  readonly #writeMany: (items: I[]) => Promise<R[]>;
  #waiting: Waiting<I, R>[] = [];
  #busy = false;

  /** `writeMany` writes the items in one transaction and returns their results in the same order. */
  constructor(writeMany: (items: I[]) => Promise<R[]>) {
    this.#writeMany = writeMany;
  }

  /** Writes `item` in the next group; resolves once that group committed. */
  write(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      try {
        const results = await this.#writeMany(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(results[i]!));
      } catch (error) {
        for (const w of group) w.reject(error);
      }
      // Let the calls that arrived meanwhile be parsed and join the next group.
      if (this.#waiting.length > 0 && this.#waiting.length < MAX_GROUP) await new Promise((resolve) => setImmediate(resolve));
    }
    this.#busy = false;
  }
}

/** The store's group committers, one per kind of write (every door writing through the store shares them). */
interface StoreGroups {
  events: GroupCommit<NewEventWrite, InsertEventResult>;
  idempotencyClaims: GroupCommit<IdempotencyKeyClaim, IdempotentRequest>;
  idempotentAnswers: GroupCommit<IdempotentAnswer, undefined>;
  auditEntries: GroupCommit<AuditEntry, undefined>;
}

const groups = new WeakMap<Store, StoreGroups>();

/** A group writer for writes that answer nothing but their commit. */
function resultless<I>(writeMany: (items: I[]) => Promise<void>): (items: I[]) => Promise<undefined[]> {
  return async (items) => {
    await writeMany(items);
    return items.map(() => undefined);
  };
}

/** The group committers of `store`: publishes (events with their deliveries), idempotency keys' claims and answers, audit entries. */
export function groupCommitsOf(store: Store): StoreGroups {
  let ofStore = groups.get(store);
  if (!ofStore) {
    ofStore = {
      events: new GroupCommit((items) => store.insertEvents(items)),
      idempotencyClaims: new GroupCommit((claims) => store.claimIdempotencyKeys(claims)),
      idempotentAnswers: new GroupCommit<IdempotentAnswer, undefined>(resultless((answers) => store.finishIdempotentRequests(answers))),
      auditEntries: new GroupCommit<AuditEntry, undefined>(resultless((entries) => store.insertAuditEntries(entries))),
    };
    groups.set(store, ofStore);
  }
  return ofStore;
}
