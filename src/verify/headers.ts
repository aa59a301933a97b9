/** Request headers as Node (`req.headers`), Fastify, Express or fetch (`Headers`) give them. */
export type IncomingHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/** The first value of a header, by case-insensitive name. */
export function headerValue(headers: IncomingHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** The raw body as the bytes that were signed. Parsed JSON cannot be verified: keep the raw body. */
export function rawBody(body: string | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('Verify the raw request body (a string or Buffer), not parsed JSON: re-serialising changes the bytes.');
}

/** Why a webhook was refused. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}
