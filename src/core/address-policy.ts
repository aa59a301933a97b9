import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

/** Which delivery targets an installation accepts; lists that are null or absent do not restrict. */
export interface TargetPolicy {
  allowPrivateTargets: boolean;
  allowedPorts?: number[] | null;
  allowedDomains?: string[] | null;
  deniedDomains?: string[] | null;
}

/** Why checkTargetUrl refused a URL. */
export type TargetRefusal =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'too_long'
  | 'forbidden_address'
  | 'port_not_allowed'
  | 'domain_not_allowed';

/** The verdict on a target URL: the parsed URL when acceptable, otherwise a reason and a message. */
export type TargetCheck =
  | { ok: true; url: URL }
  | { ok: false; reason: TargetRefusal; message: string };

/** Longest target URL accepted, in characters. */
export const MAX_TARGET_URL_LENGTH = 2048;

// 64:ff9b::/96, the well-known NAT64 prefix: the last 32 bits are an IPv4 address that a
// NAT64 gateway will connect to, so that address is what must be judged.
const NAT64_PREFIX = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * True unless `ip` is a plain public unicast address. Anything that is not an IP address at
 * all is forbidden (fail closed). IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
 * addresses are judged by the IPv4 address they embed.
 */
export function isForbiddenAddress(ip: string): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(stripBrackets(ip));
  } catch {
    return true;
  }
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    const p = v6.parts;
    if (v6.isIPv4MappedAddress()) {
      addr = v6.toIPv4Address();
    } else if (v6.match(NAT64_PREFIX)) {
      addr = new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
    } else if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) {
      // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form (::7f00:1), which
      // ipaddr.js calls 'unicast' but no public host uses.
      return true;
    }
  }
  // ipaddr.js names every special-purpose block (loopback, private, linkLocal,
  // carrierGradeNat, uniqueLocal, 6to4, teredo, rfc6052, reserved, …); only 'unicast' is left.
  return addr.range() !== 'unicast';
}

/**
 * Parses `raw` and applies the policy: http(s) only, at most MAX_TARGET_URL_LENGTH characters,
 * no credentials, no forbidden IP literal or localhost name (unless private targets are
 * allowed), then the port and domain lists (deny wins). IP literals are the only addresses
 * judged here; names are judged when they resolve.
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): TargetCheck {
  if (raw.length > MAX_TARGET_URL_LENGTH) {
    return refuse('too_long', `URL is longer than ${MAX_TARGET_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('invalid_url', 'URL cannot be parsed');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('unsupported_scheme', 'URL scheme must be http or https');
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('invalid_url', 'URL must not contain credentials');
  }
  // The WHATWG parser has already turned decimal, octal and hex IPv4 hosts into dotted
  // decimal and lower-cased names, so the host below is canonical.
  const host = stripTrailingDot(stripBrackets(url.hostname));
  if (host === '') return refuse('invalid_url', 'URL has no host');
  const isIpLiteral = ipaddr.IPv6.isValid(host) || ipaddr.IPv4.isValidFourPartDecimal(host);

  if (!policy.allowPrivateTargets) {
    if (isIpLiteral && isForbiddenAddress(host)) {
      return refuse('forbidden_address', 'URL host is a private or reserved address');
    }
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return refuse('forbidden_address', 'URL host is localhost');
    }
  }

  if (policy.allowedPorts != null) {
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (!policy.allowedPorts.includes(port)) {
      return refuse('port_not_allowed', `port ${port} is not allowed`);
    }
  }

  if (policy.deniedDomains != null && matchesAnyDomain(host, isIpLiteral, policy.deniedDomains)) {
    return refuse('domain_not_allowed', 'URL host is on the denied list');
  }
  if (policy.allowedDomains != null && !matchesAnyDomain(host, isIpLiteral, policy.allowedDomains)) {
    return refuse('domain_not_allowed', 'URL host is not on the allowed list');
  }
  return { ok: true, url };
}

function refuse(reason: TargetRefusal, message: string): TargetCheck {
  return { ok: false, reason, message };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function stripTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

// `example.com` matches itself and every subdomain; an IP literal matches only itself, so
// that a list entry such as `0.1` cannot match `10.0.0.1` by suffix.
function matchesAnyDomain(host: string, isIpLiteral: boolean, entries: readonly string[]): boolean {
  for (const entry of entries) {
    const domain = normaliseDomain(entry);
    if (domain === '') continue;
    if (host === domain) return true;
    if (!isIpLiteral && host.endsWith(domain) && host[host.length - domain.length - 1] === '.') {
      return true;
    }
  }
  return false;
}

function normaliseDomain(entry: string): string {
  let d = entry.trim().toLowerCase();
  if (d.startsWith('*.')) d = d.slice(2);
  if (d.startsWith('.')) d = d.slice(1);
  d = stripTrailingDot(stripBrackets(d));
  // Entries may be written in Unicode; URL hosts are always punycode.
  return domainToASCII(d) || d;
}
