import { createHmac, randomBytes, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey, isEd25519Secret } from './ed25519-keys.js';
import { HookpostError } from './errors.js';

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes of a `whsec_` secret; throws validation_failed unless it carries 24 to 64 bytes. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new HookpostError('validation_failed', 'A secret is whsec_ followed by base64.', [
      { pointer: '/secret', message: 'must start with whsec_' },
    ]);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  const canonical = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && key.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '');
  if (!canonical || key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new HookpostError('validation_failed', 'A secret is whsec_ followed by base64.', [
      { pointer: '/secret', message: `must be whsec_ followed by base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes` },
    ]);
  }
  return key;
}

/**
 * The Standard Webhooks headers for one request: id, timestamp in seconds, and one signature per
 * key (an HMAC key alone, or a subscription's keys: current first, then a rotated-out one). The
 * body is its text, or its UTF-8 bytes (the same signature).
 */
export function standardWebhookHeaders(
  keys: Buffer | readonly SigningKey[],
  messageId: string,
  timestampSeconds: number,
  body: string | Buffer,
): Record<string, string> {
  const list: readonly SigningKey[] = Buffer.isBuffer(keys) ? [{ scheme: 'hmac', key: keys }] : keys;
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(list, messageId, timestampSeconds, body),
  };
}

/** A key that signs deliveries: an HMAC-SHA256 key (`v1,`) or an Ed25519 private key (`v1a,`). */
export type SigningKey = { scheme: 'hmac'; key: Buffer } | { scheme: 'ed25519'; key: KeyObject };

/** The signing key a secret stands for: `whsk_` is Ed25519, `whsec_` is HMAC; throws validation_failed on anything else. */
export function signingKeyOf(secret: string): SigningKey {
  return isEd25519Secret(secret) ? { scheme: 'ed25519', key: ed25519PrivateKey(secret) } : { scheme: 'hmac', key: secretKey(secret) };
}

/**
 * The `webhook-signature` value: one `v1,<base64>` or `v1a,<base64>` entry per key, separated by
 * spaces, as Standard Webhooks lets a sender list several (a receiver accepts any that verifies).
 */
export function signatureHeader(keys: readonly SigningKey[], messageId: string, timestampSeconds: number, body: string | Buffer): string {
  return keys
    .map((entry) =>
      entry.scheme === 'hmac'
        ? `v1,${signStandard(entry.key, messageId, timestampSeconds, body)}`
        : `v1a,${sign(null, Buffer.concat([Buffer.from(`${messageId}.${timestampSeconds}.`), typeof body === 'string' ? Buffer.from(body) : body]), entry.key).toString('base64')}`,
    )
    .join(' ');
}

/**
 * base64 HMAC-SHA256 of `id.timestamp.body` (the body as text or as its UTF-8 bytes), as the
 * Standard Webhooks specification signs. Two updates: the body is not copied into one string first.
 */
export function signStandard(key: Buffer, messageId: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.`).update(body).digest('base64');
}

/**
 * Whether a request carries a valid v1 signature for this secret, within the tolerance window
 * (seconds) around now. Used by `hookpost listen` and tests; compares in constant time.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = single(headers['webhook-id']);
  const timestamp = Number(single(headers['webhook-timestamp']));
  const signatures = single(headers['webhook-signature']);
  if (!id || !Number.isInteger(timestamp) || !signatures) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signStandard(secretKey(secret), id, timestamp, body));
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
