import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSecretKey, type Config } from './config.js';

/** The admin token and the key that seals secrets, and whether the token was made just now. */
export interface InstanceSecrets {
  adminToken: string;
  secretKey: Buffer;
  /** Older keys that still open sealed values: HOOKPOST_PREVIOUS_SECRET_KEYS and the data directory's secret-key.previous. */
  previousKeys: Buffer[];
  /** True when the key lives in the data directory rather than in HOOKPOST_SECRET_KEY. */
  secretKeyInDataDir: boolean;
  adminTokenGenerated: boolean;
}

const KEY_FILE = 'secret-key';
const PREVIOUS_KEYS_FILE = 'secret-key.previous';

/**
 * Takes the admin token and secret key from the configuration, or from files in the data
 * directory, generating those files (mode 0600) on first start.
 */
export function loadInstanceSecrets(config: Config): InstanceSecrets {
  mkdirSync(config.dataDir, { recursive: true });
  const token = config.adminToken ?? readOrCreate(path.join(config.dataDir, 'admin-token'), () => `hpa_${randomBytes(32).toString('base64url')}`);
  const key = config.secretKey ?? Buffer.from(readOrCreate(path.join(config.dataDir, KEY_FILE), () => randomBytes(32).toString('base64')).value, 'base64');
  const previousFile = path.join(config.dataDir, PREVIOUS_KEYS_FILE);
  const storedPrevious = existsSync(previousFile)
    ? readFileSync(previousFile, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => parseSecretKey(line, previousFile)!)
    : [];
  const keys = { secretKey: key, previousKeys: [...config.previousSecretKeys, ...storedPrevious], secretKeyInDataDir: config.secretKey === null };
  return typeof token === 'string'
    ? { adminToken: token, ...keys, adminTokenGenerated: false }
    : { adminToken: token.value, ...keys, adminTokenGenerated: token.created };
}

/**
 * Makes `next` the data directory's secret key, first adding the old one to secret-key.previous
 * so that a process started at any moment of a rotation can open values sealed under either.
 */
export function replaceStoredSecretKey(dataDir: string, previous: Buffer, next: Buffer): void {
  const previousFile = path.join(dataDir, PREVIOUS_KEYS_FILE);
  const kept = existsSync(previousFile) ? readFileSync(previousFile, 'utf8') : '';
  writeAtomically(previousFile, kept + previous.toString('base64') + '\n');
  writeAtomically(path.join(dataDir, KEY_FILE), next.toString('base64') + '\n');
}

// A reader sees the old file or the new one, never half of one.
function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}

function readOrCreate(file: string, make: () => string): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  const value = make();
  // 'wx' fails if another process created the file first; then its value is the one to use.
  try {
    writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { value: readFileSync(file, 'utf8').trim(), created: false };
    throw error;
  }
}
