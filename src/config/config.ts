import path from 'node:path';
import type { TargetPolicy } from '../core/address-policy.js';
import { PLATFORM_NAMES, isPlatformName, type PlatformName } from '../core/event-namespaces.js';
import { DEFAULT_CIRCUIT_POLICY, type CircuitPolicy } from '../core/circuit.js';
import { DEFAULT_RETRY_POLICY, parseDuration, type RetryPolicy } from '../core/retry.js';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';

/** Which parts a process runs: the API, the dispatcher, or both. */
export type Role = 'all' | 'api' | 'worker';

/** Everything a Hookpost process is configured with, read once and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  /** PostgreSQL: connections this process keeps at most (each process has its own pool). */
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly role: Role;
  /** From HOOKPOST_ADMIN_TOKEN; when absent, serve generates one in the data directory. */
  readonly adminToken: string | null;
  /** From HOOKPOST_SECRET_KEY (64 hex chars or base64 of 32 bytes); else generated in the data directory. */
  readonly secretKey: Buffer | null;
  /** From HOOKPOST_PREVIOUS_SECRET_KEYS (comma-separated): older keys that still open sealed values during a rotation. */
  readonly previousSecretKeys: readonly Buffer[];
  /** From HOOKPOST_NEW_SECRET_KEY: the key `hookpost rotate-secret-key` re-seals under when --new-key is not given. */
  readonly newSecretKey: Buffer | null;
  readonly allowPrivateTargets: boolean;
  /** Which delivery targets subscriptions may name and the outbound client may reach. */
  readonly targetPolicy: Readonly<TargetPolicy>;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly limits: RequestLimits;
  readonly rateLimit: RateLimitConfig;
  /** Lifetime of the bearer tokens POST /oauth/token issues. */
  readonly accessTokenTtlMs: number;
  readonly delivery: DeliveryConfig;
  /** From HOOKPOST_PLATFORMS: the platform doors to serve (default all; `none` for none). */
  readonly platforms: readonly PlatformName[];
  /** From the standard OTEL_* variables: where OpenTelemetry traces go; null when tracing is off. */
  readonly tracing: TracingConfig | null;
}

/** Limits on hostile input that the body limit alone does not cover. */
export interface RequestLimits {
  /** Largest request head (request line and headers); Node answers 431 beyond it. */
  readonly maxHeaderBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  readonly maxJsonDepth: number;
}

/** Requests per minute allowed per credential and per client address; 0 switches that limit off. */
export interface RateLimitConfig {
  readonly perCredentialPerMinute: number;
  readonly perAddressPerMinute: number;
}

/** How the dispatcher claims, sends and retries. */
export interface DeliveryConfig {
  readonly retry: RetryPolicy;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly concurrency: number;
  readonly perEndpointConcurrency: number;
  /** Most connections kept to one origin (scheme, host, port), shared by its subscriptions. */
  readonly originConnections: number;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly maxResponseBytes: number;
  readonly storedResponseBytes: number;
  /** When a subscription's circuit opens, how long it stays open, and when a failing one is disabled. */
  readonly circuit: CircuitPolicy;
  /** Events, deliveries and attempts older than this are deleted. */
  readonly retentionMs: number;
}

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment (process.env unless given) into a frozen Config. */
export function loadConfig(env: Env = process.env): Config {
  const read = (name: string) => {
    const value = env[`HOOKPOST_${name}`];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`HOOKPOST_${name} must be an integer from ${min} to ${max}, not "${raw}".`);
    }
    return value;
  };
  // Every duration has bounds: 0 would mean a lease that expires at once (duplicate sends), a
  // timeout that fails every attempt, or a poll loop that spins a core.
  const duration = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    let value: number;
    try {
      value = parseDuration(raw);
    } catch {
      throw new ConfigError(`HOOKPOST_${name} must be a duration like 500ms, 5s or 2m, not "${raw}".`);
    }
    if (value < min || value > max) {
      throw new ConfigError(`HOOKPOST_${name} must be from ${formatDuration(min)} to ${formatDuration(max)}, not "${raw}".`);
    }
    return value;
  };

  const dataDir = path.resolve(read('DATA_DIR') ?? './data');
  const role = read('ROLE') ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`HOOKPOST_ROLE must be all, api or worker, not "${role}".`);
  }

  const allowPrivateTargets = parseFlag('ALLOW_PRIVATE_TARGETS', read('ALLOW_PRIVATE_TARGETS'));
  const config: Config = {
    host: read('HOST') ?? '127.0.0.1',
    port: integer('PORT', 8040, 0, 65535),
    databaseUrl: read('DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'hookpost.db')}`,
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 1_000),
    dataDir,
    role,
    adminToken: read('ADMIN_TOKEN') ?? null,
    secretKey: parseSecretKey(read('SECRET_KEY')),
    previousSecretKeys: list(read('PREVIOUS_SECRET_KEYS')).map((raw) => parseSecretKey(raw, 'HOOKPOST_PREVIOUS_SECRET_KEYS')!),
    newSecretKey: parseSecretKey(read('NEW_SECRET_KEY'), 'HOOKPOST_NEW_SECRET_KEY'),
    allowPrivateTargets,
    targetPolicy: {
      allowPrivateTargets,
      allowedPorts: parsePorts(read('ALLOWED_PORTS')),
      allowedDomains: read('ALLOWED_DOMAINS') === undefined ? null : list(read('ALLOWED_DOMAINS')),
      deniedDomains: read('DENIED_DOMAINS') === undefined ? null : list(read('DENIED_DOMAINS')),
    },
    logLevel: parseLogLevel(read('LOG_LEVEL')),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    limits: {
      maxHeaderBytes: integer('MAX_HEADER_BYTES', 16 * 1024, 1024, 1024 * 1024),
      maxJsonDepth: integer('MAX_JSON_DEPTH', 32, 2, 1000),
    },
    rateLimit: {
      perCredentialPerMinute: integer('RATE_LIMIT_PER_CREDENTIAL', 0, 0, 10_000_000),
      perAddressPerMinute: integer('RATE_LIMIT_PER_ADDRESS', 0, 0, 10_000_000),
    },
    accessTokenTtlMs: duration('ACCESS_TOKEN_TTL', 3_600_000, SECOND, 7 * DAY),
    delivery: {
      retry: parseRetryPolicy(read('RETRY_SCHEDULE'), read('RETRY_JITTER')),
      connectTimeoutMs: duration('CONNECT_TIMEOUT', 5_000, 100, MINUTE),
      requestTimeoutMs: duration('REQUEST_TIMEOUT', 15_000, 100, 5 * MINUTE),
      concurrency: integer('DELIVERY_CONCURRENCY', 256, 1, 10_000),
      perEndpointConcurrency: integer('ENDPOINT_CONCURRENCY', 32, 1, 1_000),
      originConnections: integer('ORIGIN_CONNECTIONS', 128, 1, 10_000),
      // 128, not 256: a claim's transaction moves each row it takes in several indexes, and beside a
      // backlog of 1,000,000 over 50 subscriptions a claim of 256 kept another tenant's fresh event
      // waiting 10 to 12 ms at the median, one of 128 about 6 (docs/performance.md, "12th session").
      batchSize: integer('CLAIM_BATCH_SIZE', 128, 1, 10_000),
      // Renewed every third of itself, so a live dispatcher keeps its claims while a SIGKILLed
      // one's return within about 10 s (plus one poll).
      leaseMs: duration('LEASE', 5_000, SECOND, HOUR),
      pollIntervalMs: duration('POLL_INTERVAL', 1_000, 20, MINUTE),
      maxResponseBytes: 64 * 1024,
      storedResponseBytes: 4 * 1024,
      circuit: {
        failureThreshold: integer('CIRCUIT_FAILURES', DEFAULT_CIRCUIT_POLICY.failureThreshold, 1, 1_000),
        cooldownMs: duration('CIRCUIT_COOLDOWN', DEFAULT_CIRCUIT_POLICY.cooldownMs, SECOND, DAY),
        disableAfterMs: duration('DISABLE_AFTER', DEFAULT_CIRCUIT_POLICY.disableAfterMs, SECOND, 365 * DAY),
      },
      retentionMs: duration('RETENTION', 30 * DAY, HOUR, 10 * 365 * DAY),
    },
    platforms: parsePlatforms(read('PLATFORMS')),
    tracing: loadTracingConfig(env),
  };
  return deepFreeze(config);
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The longest wait one step of a retry schedule may name. */
const MAX_RETRY_DELAY = 30 * DAY;

function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** pino's levels; anything else would crash the logger with a stack trace at start-up. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(raw: string | undefined): string {
  if (raw === undefined) return 'info';
  const level = raw.toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`HOOKPOST_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}".`);
  return level;
}

function parseFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`HOOKPOST_${name} must be 1 or 0, not "${raw}".`);
}

/** Parses a secret key given as 64 hex characters or base64 of 32 bytes; `name` is what an error calls it. */
export function parseSecretKey(raw: string | undefined, name = 'HOOKPOST_SECRET_KEY'): Buffer | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(text) && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text))) {
    throw new ConfigError(`${name} must be 32 bytes: 64 hex characters or base64.`);
  }
  return key;
}

function list(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function parsePlatforms(raw: string | undefined): PlatformName[] {
  if (raw === undefined) return [...PLATFORM_NAMES];
  if (raw.toLowerCase() === 'none') return [];
  const names = list(raw.toLowerCase());
  const unknown = names.filter((name) => !isPlatformName(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(`HOOKPOST_PLATFORMS lists doors from ${PLATFORM_NAMES.join(', ')} (comma-separated), or none; not "${raw}".`);
  }
  return [...new Set(names)] as PlatformName[];
}

function parsePorts(raw: string | undefined): number[] | null {
  if (raw === undefined) return null;
  return list(raw).map((item) => {
    const port = Number(item);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigError(`HOOKPOST_ALLOWED_PORTS lists ports from 1 to 65535, comma-separated, not "${item}".`);
    }
    return port;
  });
}

function parseRetryPolicy(schedule: string | undefined, jitter: string | undefined): RetryPolicy {
  let delaysMs = DEFAULT_RETRY_POLICY.delaysMs;
  if (schedule !== undefined) {
    try {
      delaysMs = schedule.split(',').map(parseDuration);
    } catch {
      throw new ConfigError(`HOOKPOST_RETRY_SCHEDULE must be comma-separated durations like 0,5s,5m,30m, not "${schedule}".`);
    }
    if (delaysMs.length === 0 || delaysMs.length > 50) throw new ConfigError('HOOKPOST_RETRY_SCHEDULE lists 1 to 50 delays.');
    if (delaysMs.some((delay) => delay > MAX_RETRY_DELAY)) {
      throw new ConfigError(`HOOKPOST_RETRY_SCHEDULE delays are at most ${formatDuration(MAX_RETRY_DELAY)} each, not "${schedule}".`);
    }
  }
  const jitterValue = jitter === undefined ? DEFAULT_RETRY_POLICY.jitter : Number(jitter);
  if (!(jitterValue >= 0 && jitterValue < 1)) throw new ConfigError('HOOKPOST_RETRY_JITTER must be a fraction from 0 to below 1.');
  return { delaysMs, jitter: jitterValue };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
