import { EventEmitter } from 'node:events';
import pg from 'pg';
import { CONFIG_CHANNEL, DUE_CHANNEL, TASKS_CHANNEL, type WorkChannel } from './postgres-channels.js';
import { clientConfig, type PostgresOptions } from './postgres-db.js';

export { CONFIG_CHANNEL, DUE_CHANNEL, TASKS_CHANNEL, type WorkChannel } from './postgres-channels.js';
type Channel = WorkChannel | typeof CONFIG_CHANNEL;

const FIRST_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;

/**
 * Hears what other processes announce (deliveries or tasks coming due, configuration changed): one
 * dedicated connection that LISTENs (a pooled one would be handed to others). It connects on the
 * first listener, and when the connection is lost it reconnects by itself with backoff and then
 * calls every listener once, since notices sent while it was away are gone. Dispatchers also
 * poll, so a lost notice costs latency, never a delivery; the lookup cache trusts nothing while
 * `listening` is false.
 */
export class NoticeListener {
  readonly #options: PostgresOptions;
  readonly #listeners = new EventEmitter();
  #client: pg.Client | null = null;
  #connecting = false;
  #closed = false;
  #delayMs = FIRST_RECONNECT_MS;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: PostgresOptions) {
    this.#options = options;
    this.#listeners.setMaxListeners(0);
  }

  /** Calls `listener` on every notice on `channel` (and after every reconnect). Returns an unsubscribe. */
  subscribe(channel: Channel, listener: () => void): () => void {
    this.#listeners.on(channel, listener);
    if (!this.#client && !this.#connecting && !this.#timer) void this.#connect();
    return () => void this.#listeners.off(channel, listener);
  }

  /** Whether the connection is up and LISTENing now (so no notice can be missed). */
  get listening(): boolean {
    return this.#client !== null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#listeners.removeAllListeners();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    this.#connecting = true;
    const client = new pg.Client(clientConfig(this.#options));
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      client.end().catch(() => undefined);
      this.#scheduleReconnect(error);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (notice) => this.#listeners.emit(notice.channel));
    try {
      await client.connect();
      await client.query(`LISTEN ${DUE_CHANNEL}; LISTEN ${TASKS_CHANNEL}; LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      this.#connecting = false;
      onLost(error);
      return;
    }
    this.#connecting = false;
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#delayMs = FIRST_RECONNECT_MS;
    for (const channel of [DUE_CHANNEL, TASKS_CHANNEL, CONFIG_CHANNEL]) this.#listeners.emit(channel);
  }

  #scheduleReconnect(error: unknown): void {
    if (this.#closed || this.#timer) return;
    this.#options.warn(`the LISTEN connection was lost; reconnecting in ${this.#delayMs} ms`, error);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, this.#delayMs);
    this.#timer.unref();
    this.#delayMs = Math.min(MAX_RECONNECT_MS, this.#delayMs * 2);
  }
}
