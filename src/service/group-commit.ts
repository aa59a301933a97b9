import type { InsertEventResult, NewEventWrite, Store } from '../store/store.js';

// A group is cut at this many events, so one huge burst does not make one huge transaction.
const MAX_GROUP = 1000;

interface Waiting {
  item: NewEventWrite;
  resolve: (result: InsertEventResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for publishes: the events of every publish call waiting at the same moment (those
 * that arrived during the same turn of the event loop, or while the previous group was being
 * written) go into ONE transaction, so one fsync (SQLite) or one round trip (PostgreSQL) serves
 * them all. Each call resolves only after its group committed, so a 202 still means durable.
 */
export class GroupCommit {
  readonly #store: Store;
  #waiting: Waiting[] = [];
  #busy = false;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Writes the event with its deliveries in the next group; resolves once that group committed. */
  write(item: NewEventWrite): Promise<InsertEventResult> {
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
        const results = await this.#store.insertEvents(group.map((w) => w.item));
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

const groups = new WeakMap<Store, GroupCommit>();

/** The one group committer of a store (every door that publishes through this store shares it). */
export function groupCommitOf(store: Store): GroupCommit {
  let group = groups.get(store);
  if (!group) {
    group = new GroupCommit(store);
    groups.set(store, group);
  }
  return group;
}
