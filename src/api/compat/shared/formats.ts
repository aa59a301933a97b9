import { createHmac } from 'node:crypto';
import type { DeliveryFormat, EnvelopeInput } from '../../../core/envelope.js';
import { secretKey } from '../../../core/signing.js';

/** What a platform's format computes: the JSON body, and headers that may depend on the serialised body. */
export interface JsonFormatSpec {
  name: string;
  body(input: EnvelopeInput): unknown;
  headers?(input: EnvelopeInput, body: string, key: Buffer): Record<string, string>;
}

/** A delivery format that sends `body(input)` as JSON with the platform's own headers (Standard Webhooks ones come from the dispatcher). */
export function jsonFormat(spec: JsonFormatSpec): DeliveryFormat {
  return {
    name: spec.name,
    render(input) {
      const body = JSON.stringify(spec.body(input));
      return { body, headers: spec.headers?.(input, body, secretKey(input.secret)) ?? {} };
    },
  };
}

/** Hex HMAC-SHA256 of the body (Thinkific-style signatures). */
export function hmacHex(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

/** Base64 HMAC-SHA256 of the body (Fourthwall-style signatures). */
export function hmacBase64(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

/** RFC 3339 time of an epoch-milliseconds value, as every platform's JSON shows times. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
