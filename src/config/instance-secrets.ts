import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/** The admin token and the key that seals secrets, and whether the token was made just now. */
export interface InstanceSecrets {
  adminToken: string;
  secretKey: Buffer;
  adminTokenGenerated: boolean;
}

/**
 * Takes the admin token and secret key from the configuration, or from files in the data
 * directory, generating those files (mode 0600) on first start.
 */
export function loadInstanceSecrets(config: Config): InstanceSecrets {
  mkdirSync(config.dataDir, { recursive: true });
  const token = config.adminToken ?? readOrCreate(path.join(config.dataDir, 'admin-token'), () => `hpa_${randomBytes(32).toString('base64url')}`);
  const key = config.secretKey ?? Buffer.from(readOrCreate(path.join(config.dataDir, 'secret-key'), () => randomBytes(32).toString('base64')).value, 'base64');
  return typeof token === 'string'
    ? { adminToken: token, secretKey: key, adminTokenGenerated: false }
    : { adminToken: token.value, secretKey: key, adminTokenGenerated: token.created };
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
