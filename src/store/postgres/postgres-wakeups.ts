import { EventEmitter } from 'node:events';
import pg from 'pg';
import { clientConfig, type PostgresOptions } from './postgres-db.js';

/** The channel on which publishes and requeues announce, once committed, that deliveries are due (see postgres-notify.ts). */
export const DUE_CHANNEL = 'hookpost_deliveries_due';

const FIRST_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;

/**
 * Hears deliveries coming due in any process: one dedicated connection that LISTENs (a pooled
 * one would be handed to others). It connects on the first listener, and when the connection is
 * lost it reconnects by itself with backoff and then wakes the listeners once, since notices sent
 * while it was away are gone. Dispatchers also poll, so a lost notice costs latency, never a delivery.
 */
export class DueWakeups {
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

  /** Calls `listener` on every notice (and after every reconnect). Returns an unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.on('due', listener);
    if (!this.#client && !this.#connecting && !this.#timer) void this.#connect();
    return () => void this.#listeners.off('due', listener);
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
    client.on('notification', () => this.#listeners.emit('due'));
    try {
      await client.connect();
      await client.query(`LISTEN ${DUE_CHANNEL}`);
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
    this.#listeners.emit('due');
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
