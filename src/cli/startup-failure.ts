import { ConfigError, type Config } from '../config/config.js';
import { StartupError, isHookpostError } from '../core/errors.js';

/** Where start-up was when it failed: an EACCES while binding means something else than one on a file. */
export type StartupStage = 'prepare' | 'listen';

/**
 * Turns whatever stopped start-up into one line an operator can act on, with the exit code of
 * its kind (core/errors.ts STARTUP_PROBLEMS). Errors are recognised by their codes (Node's errno
 * names, PostgreSQL's SQLSTATE, SQLite's result codes), never by parsing stack traces.
 */
export function explainStartupFailure(error: unknown, stage: StartupStage, config: Config | null): StartupError {
  if (error instanceof StartupError) return error;
  if (error instanceof ConfigError) return new StartupError('invalid_setting', error.message);
  const code = errorCode(error);
  const where = config ? databaseLocation(config.databaseUrl) : null;

  if (stage === 'listen' && config) {
    const address = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') {
      return new StartupError('port_in_use', `port ${config.port} on ${config.host} is already in use: stop what holds it, or set HOOKPOST_PORT to a free port.`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EINVAL') {
      return new StartupError('bad_host', `cannot listen on ${address}: ${config.host} is not an address of this machine; set HOOKPOST_HOST to one (such as 127.0.0.1 or 0.0.0.0).`);
    }
    if (code === 'EACCES') {
      return new StartupError('port_in_use', `not allowed to listen on port ${config.port}: ports below 1024 need privileges; set HOOKPOST_PORT to 1024 or above.`);
    }
  }

  if (where?.kind === 'postgres') {
    const server = `PostgreSQL at ${where.host}:${where.port}`;
    if (code === '3D000') {
      return new StartupError('database_missing', `database "${where.database}" does not exist on ${server}: create it (createdb ${where.database}), or fix the name in HOOKPOST_DATABASE_URL.`);
    }
    if (code === '28000' || code === '28P01') {
      return new StartupError('database_login', `${server} refused user "${where.user}" (${code === '28P01' ? 'wrong password' : 'no such role, or not allowed'}): fix the user and password in HOOKPOST_DATABASE_URL, or create the role.`);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new StartupError('database_unreachable', `cannot find the PostgreSQL host "${where.host}": fix the host in HOOKPOST_DATABASE_URL.`);
    }
    if (isUnreachable(error, code)) {
      return new StartupError('database_unreachable', `cannot reach ${server}: start PostgreSQL there, or fix the host and port in HOOKPOST_DATABASE_URL.`);
    }
  }

  const fileReason = code === undefined ? undefined : (FILE_PROBLEMS[code] ?? SQLITE_FILE_PROBLEMS.find(([prefix]) => code.startsWith(prefix))?.[1]);
  if (stage === 'prepare' && fileReason) {
    const target = fileOf(error) ?? (where?.kind === 'sqlite' ? where.file : (config?.dataDir ?? 'the data directory'));
    return new StartupError(
      'data_dir',
      `cannot use ${target}: ${fileReason}. Make HOOKPOST_DATA_DIR (and the SQLite file's directory) a writable directory for the user running Hookpost.`,
    );
  }

  const message = error instanceof Error ? error.message : String(error);
  return new StartupError('unexpected', `could not start: ${message.split('\n')[0]} (set HOOKPOST_LOG_LEVEL=debug to see where).`);
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  ENOSPC: 'the disk is full',
  EEXIST: 'a file is in the way',
  ENOENT: 'no such file or directory',
};

// better-sqlite3 reports SQLite result codes (extended ones too, hence prefixes) as `code`.
const SQLITE_FILE_PROBLEMS: ReadonlyArray<readonly [string, string]> = [
  ['SQLITE_CANTOPEN', 'the database file cannot be opened or created'],
  ['SQLITE_READONLY', 'the database file is read-only'],
  ['SQLITE_PERM', 'permission denied'],
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_IOERR', 'the disk reported an input/output error'],
  ['SQLITE_NOTADB', 'the file is not a SQLite database'],
  ['SQLITE_CORRUPT', 'the database file is damaged'],
];

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) return error.errors.map(errorCode).find((c) => c !== undefined);
  return undefined;
}

function fileOf(error: unknown): string | undefined {
  const file = (error as { path?: unknown } | null)?.path;
  return typeof file === 'string' ? file : undefined;
}

function isUnreachable(error: unknown, code: string | undefined): boolean {
  if (code && ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', '57P03'].includes(code)) return true;
  // The store turns a connection that kept failing into `unavailable` once its retries are spent.
  if (isHookpostError(error) && error.code === 'unavailable') return true;
  return error instanceof Error && /timeout|Connection terminated/i.test(error.message);
}

type DatabaseLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; host: string; port: string; database: string; user: string };

function databaseLocation(databaseUrl: string): DatabaseLocation | null {
  if (databaseUrl.startsWith('sqlite:')) return { kind: 'sqlite', file: databaseUrl.slice('sqlite:'.length) };
  if (!URL.canParse(databaseUrl)) return null;
  const url = new URL(databaseUrl);
  return {
    kind: 'postgres',
    host: url.hostname || 'localhost',
    port: url.port || '5432',
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres',
    user: decodeURIComponent(url.username) || 'the default user',
  };
}
