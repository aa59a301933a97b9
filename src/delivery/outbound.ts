import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import type { AttemptErrorClass } from '../core/attempt-error.js';
import {
  checkTargetUrl,
  isForbiddenAddress,
  type TargetCheck,
  type TargetPolicy,
} from '../core/address-policy.js';
import { Agent } from './undici-agent.js';

/**
 * How the outbound client connects, times out and caps what it reads; resolved once by the
 * caller. The target policy's port and domain lists apply at send time too, so a list tightened
 * after a subscription was made still holds.
 */
export interface OutboundOptions extends TargetPolicy {
  connectTimeoutMs: number;
  /** The whole request, from dispatch to the last byte of the body that is read. */
  totalTimeoutMs: number;
  /** Most connections of the keep-alive pool kept for each origin (opened only as sends need them). */
  maxConnectionsPerOrigin: number;
  /** Read at most this much of a response body, then close the connection. */
  maxResponseBytes: number;
  /** Keep this prefix of the response body as text. */
  storedResponseBytes: number;
  /** Resolver with the shape of node's dns.lookup; called with `{ all: true }`. */
  lookup?: LookupFunction;
}

/** One webhook POST. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Overrides OutboundOptions.totalTimeoutMs for this request. */
  timeoutMs?: number;
}

/** What happened to one POST; every failure is described here rather than thrown. */
export interface OutboundResult {
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  retryAfterMs: number | null;
  errorClass: AttemptErrorClass | null;
  errorMessage: string | null;
}

/** Sends webhook POSTs through one keep-alive agent that refuses private addresses. */
export interface OutboundClient {
  send(req: OutboundRequest): Promise<OutboundResult>;
  close(): Promise<void>;
}

/** Raised by the guarded lookup when every address of a name is forbidden. */
export class ForbiddenAddressError extends Error {
  readonly code = 'HOOKPOST_FORBIDDEN_ADDRESS';
  constructor(hostname: string) {
    super(`every address of ${hostname} is private or reserved`);
    this.name = 'ForbiddenAddressError';
  }
}

/**
 * Wraps a resolver so that net.connect receives only addresses that pass isForbiddenAddress
 * (all of them when private targets are allowed). net.connect connects to exactly what
 * this returns, so the address checked is the address used: there is no second lookup for
 * a rebinding name to answer differently.
 */
export function createGuardedLookup(resolve: LookupFunction, allowPrivateTargets: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const query = { all: true as const, family: options.family, hints: options.hints };
    resolve(hostname, query, (err, resolved) => {
      if (err) {
        callback(err, []);
        return;
      }
      const addresses: LookupAddress[] =
        typeof resolved === 'string' ? [{ address: resolved, family: resolved.includes(':') ? 6 : 4 }] : resolved;
      const usable = allowPrivateTargets ? addresses : addresses.filter((a) => !isForbiddenAddress(a.address));
      const first = usable[0];
      if (first === undefined) {
        callback(addresses.length === 0 ? notFound(hostname) : new ForbiddenAddressError(hostname), []);
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}

/** Builds the client; one undici Agent (a keep-alive pool per origin) serves every send. */
export function createOutboundClient(options: OutboundOptions): OutboundClient {
  const agent = new Agent({
    connections: options.maxConnectionsPerOrigin,
    connect: {
      timeout: options.connectTimeoutMs,
      lookup: createGuardedLookup(options.lookup ?? (dnsLookup as LookupFunction), options.allowPrivateTargets),
    },
  });
  const policy: TargetPolicy = {
    allowPrivateTargets: options.allowPrivateTargets,
    allowedPorts: options.allowedPorts ?? null,
    allowedDomains: options.allowedDomains ?? null,
    deniedDomains: options.deniedDomains ?? null,
  };
  const { maxResponseBytes, storedResponseBytes, totalTimeoutMs } = options;
  // The verdict depends only on the URL string and the fixed policy, and a dispatcher sends
  // to the same few endpoint URLs over and over, so parse and judge each URL once.
  const targets = new Map<string, Target>();
  const targetFor = (raw: string): Target => {
    let target = targets.get(raw);
    if (target === undefined) {
      if (targets.size >= TARGET_CACHE_SIZE) targets.clear();
      target = toTarget(checkTargetUrl(raw, policy));
      targets.set(raw, target);
    }
    return target;
  };

  async function send(req: OutboundRequest): Promise<OutboundResult> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const timeoutMs = req.timeoutMs ?? totalTimeoutMs;
    let prefix: ResponsePrefix | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // net.connect skips the lookup for IP literals, so those are judged here.
      const target = targetFor(req.url);
      if (target.refusal !== null) {
        return result(startedAt, t0, null, null, null, target.refusal.errorClass, target.refusal.message);
      }
      prefix = new ResponsePrefix(maxResponseBytes, storedResponseBytes);
      timer = setTimeout(abortOnTimeout, timeoutMs, prefix);
      agent.dispatch(
        { origin: target.origin, path: target.path, method: 'POST', headers: req.headers, body: req.body },
        prefix,
      );
      // The status decides the attempt, so it gets exactly one verdict: a body that stalls or
      // breaks off after the status line (cut at the same total timeout) is only shortened.
      // A 2xx whose body stalled was accepted; taking it for a timeout and retrying would
      // record the attempt as both and send the event twice.
      const { statusCode, text, retryAfterMs, broken } = await prefix.settled;
      if (statusCode >= 200 && statusCode < 300) {
        return result(startedAt, t0, statusCode, text, retryAfterMs, null, null);
      }
      const cut = broken ? ` (its body ${prefix.timedOut ? `did not end within ${timeoutMs} ms` : 'broke off'})` : '';
      return result(startedAt, t0, statusCode, text, retryAfterMs, 'bad_status', `receiver answered HTTP ${statusCode}${cut}`);
    } catch (err) {
      // settled rejects only before a final status arrived, so there is none to report.
      if (prefix?.timedOut) {
        return result(startedAt, t0, null, null, null, 'timeout', `no complete response within ${timeoutMs} ms`);
      }
      const errorClass = classifyError(err);
      return result(startedAt, t0, null, null, null, errorClass, describeError(err));
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send,
    close: () => agent.close(),
  };
}

const TARGET_CACHE_SIZE = 4096;

type Target =
  | { origin: string; path: string; refusal: null }
  | { origin: null; path: null; refusal: { errorClass: AttemptErrorClass; message: string } };

function toTarget(check: TargetCheck): Target {
  if (check.ok) return { origin: check.url.origin, path: check.url.pathname + check.url.search, refusal: null };
  // The installation's policy (addresses, ports, domains) refused it; a malformed URL can only
  // get here if the subscription's URL escaped validation.
  const byPolicy = check.reason === 'forbidden_address' || check.reason === 'port_not_allowed' || check.reason === 'domain_not_allowed';
  const errorClass: AttemptErrorClass = byPolicy ? 'forbidden_address' : 'network';
  return { origin: null, path: null, refusal: { errorClass, message: check.message } };
}

function abortOnTimeout(prefix: ResponsePrefix): void {
  prefix.timeOut();
}

function result(
  startedAt: number,
  t0: number,
  statusCode: number | null,
  responseBody: string | null,
  retryAfterMs: number | null,
  errorClass: AttemptErrorClass | null,
  errorMessage: string | null,
): OutboundResult {
  const durationMs = Math.round(performance.now() - t0);
  return { startedAt, durationMs, statusCode, responseBody, retryAfterMs, errorClass, errorMessage };
}

/**
 * One send's undici dispatch handler: it takes the status and Retry-After, keeps the first
 * `keepBytes` of the body as they arrive and stops reading at `maxBytes`. It replaces undici's
 * `request()`, which built a RequestHandler, a BodyReadable stream and its listeners per
 * response only for us to read a prefix; here each send costs this object and one Promise.
 *
 * It uses undici's controller API (onRequestStart ... onResponseError), not the deprecated
 * onConnect/onHeaders/onData/onComplete/onError one. DispatcherBase wraps such a handler in an
 * UnwrapHandler (and an UnwrapController) per dispatch, which also parses the raw headers for
 * us; whether the deprecated API's saving of that wrapper would pay is not measured yet
 * (docs/performance.md, "The send's dispatch handler").
 */
class ResponsePrefix implements Dispatcher.DispatchHandler {
  /** 0 until a final (non-1xx) status line arrives. */
  statusCode = 0;
  retryAfterMs: number | null = null;
  text = '';
  /** The body broke off, or was cut by the timeout, before it ended. */
  broken = false;
  /** The send's total timeout fired (see timeOut). */
  timedOut = false;
  /** Resolves once the body has ended, broken off or been cut; rejects if no response started. */
  readonly settled: Promise<ResponsePrefix>;

  private controller: Dispatcher.DispatchController | null = null;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private readBytes = 0;
  private done = false;
  private resolve!: (prefix: ResponsePrefix) => void;
  private reject!: (err: Error) => void;

  constructor(
    private readonly maxBytes: number,
    private readonly keepBytes: number,
  ) {
    this.settled = new Promise<ResponsePrefix>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /**
   * Aborts the request (dispatch takes no signal). Before undici starts the request there is
   * nothing to abort yet, so onRequestStart aborts it then, as `request()` did with a signal.
   */
  timeOut(): void {
    this.timedOut = true;
    this.controller?.abort(new Error('the send timed out'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) controller.abort(new Error('the send timed out'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: the final status is still to come
    this.statusCode = statusCode;
    this.retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    this.readBytes += chunk.length;
    if (this.keptBytes < this.keepBytes) {
      const take = Math.min(chunk.length, this.keepBytes - this.keptBytes);
      this.kept.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.keptBytes += take;
    }
    if (this.readBytes >= this.maxBytes) {
      this.finish(false);
      // Aborting makes undici drop this connection rather than drain a body nobody wants.
      controller.abort(new Error('the response reached its size limit'));
    }
  }

  onResponseEnd(): void {
    this.finish(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.done) return; // our own abort after a cut
    if (this.statusCode === 0) {
      this.done = true;
      this.reject(err);
      return;
    }
    // The status decides the attempt: a body that breaks off only yields what arrived.
    this.finish(true);
  }

  private finish(broken: boolean): void {
    if (this.done) return;
    this.done = true;
    this.broken = broken;
    const { kept, keptBytes } = this;
    if (keptBytes > 0) this.text = (kept.length === 1 ? kept[0]! : Buffer.concat(kept, keptBytes)).toString('utf8');
    this.kept = [];
    this.resolve(this);
  }
}

/** Parses a Retry-After value (delta-seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const text = raw.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

const ERROR_CLASS_BY_CODE: Readonly<Record<string, AttemptErrorClass>> = {
  HOOKPOST_FORBIDDEN_ADDRESS: 'forbidden_address',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ENODATA: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  HOSTNAME_MISMATCH: 'tls',
};

const TLS_CODE_PREFIXES = ['ERR_TLS_', 'ERR_SSL_', 'ERR_OSSL_', 'CERT_'];

function classifyError(err: unknown): AttemptErrorClass {
  const code = errorCode(err);
  if (code === undefined) return 'network';
  const known = ERROR_CLASS_BY_CODE[code];
  if (known !== undefined) return known;
  return TLS_CODE_PREFIXES.some((p) => code.startsWith(p)) ? 'tls' : 'network';
}

// The code may sit on the error itself, on its cause (undici wraps some socket errors), or
// on the first error of an AggregateError (net tries each address when several resolve).
function errorCode(err: unknown): string | undefined {
  let generic: string | undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof e.code === 'string') {
      // undici's "other side closed" says less than the socket error it may wrap.
      if (e.code !== 'UND_ERR_SOCKET') return e.code;
      generic ??= e.code;
    }
    current = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : e.cause;
  }
  return generic;
}

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  const text = (code !== undefined && !message.includes(code) ? `${code}: ${message}` : message).trim();
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`no addresses found for ${hostname}`);
  err.code = 'ENOTFOUND';
  return err;
}
