import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isConnectionError, retryableReason, toStoreError } from './postgres-errors.js';

/** How a store reaches PostgreSQL: resolved once, passed to everything that opens connections. */
export interface PostgresOptions {
  connectionString: string;
  /** Connections this process keeps at most; each API or worker process has its own pool. */
  poolSize: number;
  retry: RetryPolicy;
  /** Told about connection trouble that no caller sees (an idle connection dropped, a listener reconnecting). */
  warn: (message: string, error?: unknown) => void;
}

/** How often and how patiently a statement is tried again after a transient error. */
export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** About 1.5 s of retries: long enough to ride out a failover blip, short enough that publish answers 503 promptly. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 50, maxDelayMs: 800 };

// Statement texts are fixed (values are always parameters), so this bound is never reached in practice.
const MAX_NAMED_STATEMENTS = 500;

/** The one thing a statement needs from pg: a client or pool that runs parameterised queries. */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

// bigint (int8) columns hold epoch milliseconds, which are safe JavaScript integers; pg would return strings.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** The connection settings every client of a store uses (pool and listener alike). */
export function clientConfig(options: PostgresOptions): pg.ClientConfig {
  return { connectionString: options.connectionString, types, keepAlive: true, connectionTimeoutMillis: 5_000, application_name: 'hookpost' };
}

/**
 * A connection pool whose statements and transactions are retried with backoff on transient
 * errors (see postgres-errors.ts). Once retries are spent, an unreachable database surfaces as
 * HookpostError('unavailable'). Retried work must be safe to repeat: a commit whose answer was
 * lost may have happened, so every write here is idempotent (ON CONFLICT, lease checks).
 */
export class PostgresDb {
  readonly pool: pg.Pool;
  readonly #options: PostgresOptions;
  readonly #statementNames = new Map<string, string>();

  constructor(options: PostgresOptions) {
    this.#options = options;
    this.pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize });
    // An idle connection dropped by a server restart is reported here; the pool replaces it.
    this.pool.on('error', (error) => options.warn('an idle database connection was lost', error));
  }

  /** Runs one statement (its own transaction) and returns its rows. */
  async rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const query = { name: this.#statementName(text), text, values };
    return this.#retrying(async () => (await this.pool.query<R>(query)).rows);
  }

  // Named statements are parsed and planned once per connection instead of on every call: the
  // publish and claim paths run the same few statements thousands of times a second.
  #statementName(text: string): string | undefined {
    let name = this.#statementNames.get(text);
    if (name === undefined && this.#statementNames.size < MAX_NAMED_STATEMENTS) {
      name = `hookpost_${this.#statementNames.size}`;
      this.#statementNames.set(text, name);
    }
    return name;
  }

  /**
   * Runs `work` inside BEGIN … COMMIT on one connection; the whole transaction is retried on
   * transient errors. `flush: 'lazy'` commits without waiting for the WAL flush (synchronous_commit
   * off, for this transaction only): only for bookkeeping whose loss in a server crash can cause
   * no more than a re-send, never for a write a client was told is durable. A later flushed commit
   * (any publish) flushes it too, so only the last few hundred milliseconds are at risk.
   */
  async transaction<T>(work: (client: Queryable) => Promise<T>, flush: 'wait' | 'lazy' = 'wait'): Promise<T> {
    return this.#retrying(async () => {
      const client = await this.#checkOut();
      try {
        // One round trip either way: a simple query may hold several statements.
        await client.query(flush === 'lazy' ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        this.#giveBack(client);
        return result;
      } catch (error) {
        if (isConnectionError(error)) this.#giveBack(client, error as Error);
        else {
          await client.query('ROLLBACK').catch(() => undefined);
          this.#giveBack(client);
        }
        throw error;
      }
    });
  }

  /** Runs `work` on one connection held for its whole length (for session state such as advisory locks). */
  async session<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    return this.#retrying(async () => {
      const client = await this.#checkOut();
      try {
        const result = await work(client);
        this.#giveBack(client);
        return result;
      } catch (error) {
        // Session state (a lock, a half-done transaction) must not reach the next borrower.
        this.#giveBack(client, error as Error);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  // The pool listens for a connection's errors only while it sits idle. A connection the server
  // ends while we hold it between two statements (a restart, pg_terminate_backend) would raise an
  // 'error' event with no listener, which ends the process; this listener takes it instead, the
  // next statement on that connection fails as a connection error, and the work is retried on a
  // fresh one.
  readonly #lostWhileHeld = (error: Error) => this.#options.warn('a database connection in use was lost', error);

  async #checkOut(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    client.on('error', this.#lostWhileHeld);
    return client;
  }

  /** Returns a connection to the pool; with an error, the pool closes it instead of reusing it. */
  #giveBack(client: pg.PoolClient, error?: Error): void {
    client.removeListener('error', this.#lostWhileHeld);
    client.release(error);
  }

  async #retrying<T>(operation: () => Promise<T>): Promise<T> {
    const { attempts, firstDelayMs, maxDelayMs } = this.#options.retry;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (attempt >= attempts || retryableReason(error) === null) throw toStoreError(error);
        const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }
}
