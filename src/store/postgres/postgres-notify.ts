import type { PostgresDb } from './postgres-db.js';
import { DUE_CHANNEL, type WorkChannel } from './postgres-channels.js';

/**
 * Sends the "deliveries due" NOTIFY after a publish or requeue has committed (or, on the tasks
 * channel, "a task was started"), coalescing bursts. Every process LISTENs, this one included, so
 * the notice is also what wakes this process's own dispatcher or task runner.
 *
 * Why not NOTIFY inside the publish transaction: PostgreSQL serialises the commits of all
 * transactions that NOTIFY (they take one database-wide lock until their commit is flushed), so
 * publishes could not share fsyncs; measured on this project's machine, that capped publishes at
 * about 400 commits/s against 1,400 without. Sent afterwards, the notice still only goes out once
 * the rows are visible. It is its own tiny transaction with synchronous_commit off (a notice need
 * not survive a crash), and while one is on its way, further pokes fold into a single next one.
 * A notice lost to a crash between commit and NOTIFY costs one poll interval, never a delivery.
 */
export class DueNotifier {
  readonly #db: PostgresDb;
  readonly #channel: WorkChannel;
  #sending: Promise<void> | null = null;
  #again = false;

  constructor(db: PostgresDb, channel: WorkChannel = DUE_CHANNEL) {
    this.#db = db;
    this.#channel = channel;
  }

  /** Asks for a notice to be sent soon; never fails (workers poll as well). */
  poke(): void {
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = this.#send().finally(() => {
      this.#sending = null;
      if (this.#again) {
        this.#again = false;
        this.poke();
      }
    });
  }

  /** Resolves when no notice is on its way (for a clean close). */
  async settled(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #send(): Promise<void> {
    try {
      await this.#db.rows(`SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')`, [this.#channel]);
    } catch {
      // The database is unreachable: the workers' polling finds the deliveries once it is back.
    }
  }
}
