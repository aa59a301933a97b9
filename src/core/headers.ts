import type { ErrorDetail } from './errors.js';

// Headers a subscription may not set: ours (signing), the platforms' signatures, and the ones
// that belong to the connection rather than the message.
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'user-agent',
]);
const RESERVED_PATTERN = /^(webhook-|svix-|x-hookpost-)|hmac|signature/i;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_HEADERS = 20;

/** Problems with a subscription's custom headers: bad names, reserved names, bad values, too many. */
export function checkCustomHeaders(headers: Record<string, string>, pointer = '/headers'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) problems.push({ pointer, message: `at most ${MAX_HEADERS} custom headers` });
  for (const [name, value] of entries) {
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!TOKEN.test(name) || name.length > 256) problems.push({ pointer: at, message: 'not a valid header name' });
    else if (RESERVED.has(name.toLowerCase()) || RESERVED_PATTERN.test(name)) {
      problems.push({ pointer: at, message: 'this header is set by Hookpost and cannot be overridden' });
    }
    if (typeof value !== 'string' || /[\r\n\0]/.test(value) || value.length > 4096) {
      problems.push({ pointer: at, message: 'a header value is a string of at most 4096 characters without line breaks' });
    }
  }
  return problems;
}
