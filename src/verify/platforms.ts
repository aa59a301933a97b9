import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue, rawBody, WebhookVerificationError, type IncomingHeaders } from './headers.js';
import { parseJson } from './standard.js';

// The seed platforms' own signature schemes, as Hookpost's compat doors send them (see
// src/api/compat/<platform>/). Each is an HMAC-SHA256 of the raw body keyed with the secret the
// platform gave the receiver, as UTF-8 text. SchoolMaker and Kajabi document no signature of
// their own: their deliveries are checked with verifyStandardWebhook, like every delivery can be.

interface BodyHmacScheme {
  header: string;
  encode: (digest: Buffer) => string;
}

const SCHEMES = {
  /** `X-Thinkific-Hmac-Sha256`: hex HMAC of the body, keyed with the API key the webhook was made with. */
  thinkific: { header: 'x-thinkific-hmac-sha256', encode: (d) => d.toString('hex') },
  /** `X-Fourthwall-Hmac-Sha256`: base64 HMAC of the body, keyed with the shop's webhook secret. */
  fourthwall: { header: 'x-fourthwall-hmac-sha256', encode: (d) => d.toString('base64') },
  /** `X-Webhook-Signature: sha256=<hex>`: Timeback's, keyed with the secret given when the webhook was made. */
  timeback: { header: 'x-webhook-signature', encode: (d) => `sha256=${d.toString('hex')}` },
} satisfies Record<string, BodyHmacScheme>;

/** A seed platform with a signature scheme of its own. */
export type SignedPlatform = keyof typeof SCHEMES;

/** The platforms verifyPlatformWebhook knows. */
export const SIGNED_PLATFORMS = Object.keys(SCHEMES) as SignedPlatform[];

/** Checks a platform-signed delivery and returns its parsed body, or throws WebhookVerificationError. */
export function verifyPlatformWebhook<T = unknown>(platform: SignedPlatform, body: string | Uint8Array, headers: IncomingHeaders, secret: string): T {
  const scheme: BodyHmacScheme = SCHEMES[platform];
  if (!scheme) throw new TypeError(`No signature scheme for ${String(platform)}; use verifyStandardWebhook.`);
  const given = headerValue(headers, scheme.header);
  if (!given) throw new WebhookVerificationError(`Missing ${scheme.header}.`);
  const bytes = rawBody(body);
  const expected = Buffer.from(scheme.encode(createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest()));
  const actual = Buffer.from(given.trim());
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new WebhookVerificationError(`${scheme.header} does not match.`);
  return parseJson<T>(bytes);
}

/** Thinkific: `secret` is the Thinkific API key the webhook was created with. */
export const verifyThinkificWebhook = <T = unknown>(body: string | Uint8Array, headers: IncomingHeaders, apiKey: string) =>
  verifyPlatformWebhook<T>('thinkific', body, headers, apiKey);
/** Fourthwall: `secret` is the shop's webhook secret. */
export const verifyFourthwallWebhook = <T = unknown>(body: string | Uint8Array, headers: IncomingHeaders, shopSecret: string) =>
  verifyPlatformWebhook<T>('fourthwall', body, headers, shopSecret);
/** Timeback: `secret` is the secret given when the webhook was created. */
export const verifyTimebackWebhook = <T = unknown>(body: string | Uint8Array, headers: IncomingHeaders, secret: string) =>
  verifyPlatformWebhook<T>('timeback', body, headers, secret);
