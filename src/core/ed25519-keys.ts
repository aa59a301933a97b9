import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { HookpostError } from './errors.js';

// Standard Webhooks' asymmetric keys: `whsk_` + base64 of the 32-byte Ed25519 seed (the 64-byte
// seed‖public form that libsodium writes is accepted too), `whpk_` + base64 of the 32-byte public key.
const SECRET_PREFIX = 'whsk_';
const PUBLIC_PREFIX = 'whpk_';
// The DER framing of a raw key, so that node:crypto takes the bytes as PKCS#8 / SPKI.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A new Ed25519 signing secret, `whsk_…`. */
export function generateEd25519Secret(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return SECRET_PREFIX + seed.toString('base64');
}

/** Whether the text is shaped like a `whsk_` secret (it may still fail `ed25519PrivateKey`). */
export function isEd25519Secret(secret: string): boolean {
  return secret.startsWith(SECRET_PREFIX);
}

/** The private key of a `whsk_` secret; throws validation_failed when it is not one. */
export function ed25519PrivateKey(secret: string): KeyObject {
  const bytes = isEd25519Secret(secret) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32 && bytes.length !== 64) {
    throw new HookpostError('validation_failed', 'An Ed25519 secret is whsk_ followed by base64 of a 32-byte seed.', [
      { pointer: '/secret', message: 'must be whsk_ followed by base64 of 32 bytes' },
    ]);
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}

/** The public key receivers verify with, `whpk_…`, of a `whsk_` secret. */
export function ed25519PublicKey(secret: string): string {
  const spki = createPublicKey(ed25519PrivateKey(secret)).export({ format: 'der', type: 'spki' });
  return PUBLIC_PREFIX + spki.subarray(SPKI_PREFIX.length).toString('base64');
}
