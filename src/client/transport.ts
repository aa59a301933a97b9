import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { ErrorCode } from '../core/errors.js';
import { HookpostApiError, HookpostConnectionError } from './errors.js';

/** How a client reaches its server and how patiently it retries. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8040`. */
  url: string;
  /** A bearer token: the admin token or a tenant API key. */
  token: string;
  /** Retries after a 429 or 503 (honouring Retry-After), and after a failed connection for safe requests. Default 3. */
  maxRetries?: number;
  /** The longest wait between two tries, whatever Retry-After says. Default 30 s. */
  maxRetryDelayMs?: number;
  /** Per-request time limit. Default 30 s. */
  timeoutMs?: number;
  /** An undici dispatcher to send through (default: an Agent of the client's own). */
  dispatcher?: Dispatcher;
  /** Sent as User-Agent. */
  userAgent?: string;
}

/** One call: method, path with its values filled in, query, body, and whether repeating it is harmless. */
export interface CallSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  /** True when the server may safely see this request twice (reads, deletes, publish with an id). */
  idempotent: boolean;
}

const DEFAULT_BACKOFF_MS = 500;

/** Sends native API calls with undici, decodes errors into HookpostApiError and retries what may be retried. */
export class Transport {
  readonly #base: URL;
  readonly #token: string;
  readonly #maxRetries: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #userAgent: string;

  constructor(options: ClientOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.#token = options.token;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#maxDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
    this.#userAgent = options.userAgent ?? 'hookpost-client';
  }

  async call<T>(spec: CallSpec): Promise<T> {
    const url = new URL(spec.path.replace(/^\//, ''), this.#base);
    for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json', 'user-agent': this.#userAgent };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt += 1) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, {
          method: spec.method,
          headers,
          body,
          dispatcher: this.#dispatcher,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        });
      } catch (error) {
        // A request that never got an answer may still have been applied: only safe ones go again.
        if (spec.idempotent && attempt < this.#maxRetries) {
          await sleep(this.#backoff(attempt, null));
          continue;
        }
        throw new HookpostConnectionError(`${spec.method} ${url.pathname}: ${(error as Error).message}`, { cause: error });
      }
      const text = await response.body.text();
      if (response.statusCode < 300) return (text === '' ? undefined : parseJson(text, url)) as T;
      const error = toApiError(response.statusCode, response.headers['retry-after'], text);
      // 429: refused before any work. 503: the server could not finish; a repeat is safe only when the request is.
      const retryable = response.statusCode === 429 || (response.statusCode === 503 && spec.idempotent);
      if (!retryable || attempt >= this.#maxRetries) throw error;
      await sleep(this.#backoff(attempt, error.retryAfterSeconds));
    }
  }

  #backoff(attempt: number, retryAfterSeconds: number | null): number {
    const wanted = retryAfterSeconds !== null ? retryAfterSeconds * 1000 : DEFAULT_BACKOFF_MS * 2 ** attempt;
    return Math.min(this.#maxDelayMs, wanted);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

function parseJson(text: string, url: URL): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HookpostConnectionError(`${url.pathname} answered something that is not JSON`, { cause });
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

function toApiError(status: number, retryAfter: string | string[] | undefined, text: string): HookpostApiError {
  let body: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const code = (body?.error?.code ?? (status >= 500 ? 'internal' : 'bad_request')) as ErrorCode;
  const message = body?.error?.message ?? `HTTP ${status}: ${text.slice(0, 200)}`;
  return new HookpostApiError(status, code, message, body?.error?.details, parseRetryAfter(retryAfter));
}
