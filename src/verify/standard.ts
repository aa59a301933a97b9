import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import { headerValue, rawBody, WebhookVerificationError, type IncomingHeaders } from './headers.js';

/** How strict a Standard Webhooks check is. */
export interface StandardVerifyOptions {
  /** Largest difference between webhook-timestamp and now, in seconds (default 300, as the specification suggests). */
  toleranceSeconds?: number;
  /** The current time in seconds (tests). */
  nowSeconds?: number;
}

/** What a verified Standard Webhooks request says about itself. */
export interface VerifiedWebhook<T = unknown> {
  id: string;
  timestamp: number;
  payload: T;
}

/**
 * Checks a Standard Webhooks request (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and
 * returns its parsed payload, or throws WebhookVerificationError. `secret` is the subscription's
 * `whsec_…` secret (HMAC-SHA256, `v1,` signatures) or its `whpk_…` public key (Ed25519, `v1a,`).
 * Several signatures in the header (a rotation's grace period) pass if any one matches.
 */
export function verifyStandardWebhook<T = unknown>(
  body: string | Uint8Array,
  headers: IncomingHeaders,
  secret: string,
  options: StandardVerifyOptions = {},
): VerifiedWebhook<T> {
  const id = headerValue(headers, 'webhook-id');
  const timestampText = headerValue(headers, 'webhook-timestamp');
  const signatures = headerValue(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature.');
  const timestamp = Number(timestampText);
  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError('webhook-timestamp is not a number of seconds.');
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (timestamp < now - tolerance) throw new WebhookVerificationError('The webhook is too old (replayed?).');
  if (timestamp > now + tolerance) throw new WebhookVerificationError('The webhook timestamp is in the future.');

  const bytes = rawBody(body);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestampText}.`, 'utf8'), bytes]);
  const matches = secret.startsWith('whpk_') ? ed25519Matcher(secret, signed) : hmacMatcher(secret, signed);
  const ok = signatures.split(' ').some((entry) => {
    const comma = entry.indexOf(',');
    return comma > 0 && matches(entry.slice(0, comma), entry.slice(comma + 1));
  });
  if (!ok) throw new WebhookVerificationError('No signature matches.');
  return { id, timestamp, payload: parseJson<T>(bytes) };
}

function hmacMatcher(secret: string, signed: Buffer): (version: string, signature: string) => boolean {
  // The standardwebhooks libraries accept a secret with or without its whsec_ prefix; so do we.
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const expected = createHmac('sha256', key).update(signed).digest();
  return (version, signature) => {
    if (version !== 'v1') return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

function ed25519Matcher(publicKey: string, signed: Buffer): (version: string, signature: string) => boolean {
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return (version, signature) => version === 'v1a' && verifySignature(null, signed, key, Buffer.from(signature, 'base64'));
}

/** The payload as JSON; a verified body that is not JSON is still refused (Hookpost only sends JSON). */
export function parseJson<T>(bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new WebhookVerificationError('The body is not JSON.');
  }
}
