import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HookpostError } from '../core/errors.js';
import type { ApiKey, Scope } from '../core/model.js';
import { hashToken } from './api-keys.js';
import type { ServiceDeps } from './deps.js';

// OAuth2 client credentials (RFC 6749 §4.4). A client is an API key: client_id is the key's id,
// client_secret its token. Access tokens are stateless: `hpt_<payload>.<mac>`, the payload
// base64url JSON and the mac an HMAC-SHA256 under a key derived from the instance secret key.
// Stateless, because issuing then costs no write and any API process can verify a token; and
// still revocable at once, because verifying looks the client key up (by primary key) and
// refuses the token when that key was revoked since.

const ACCESS_TOKEN_PREFIX = 'hpt_';
const MAC_PURPOSE = 'oauth access token v1';
const DEFAULT_TTL_MS = 3_600_000;
const MAX_SCOPE_LENGTH = 2_000;

/** What a client asks for at the token endpoint; `scope` is the space-separated list of RFC 6749 §3.3. */
export interface ClientCredentialsRequest {
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope?: string | undefined;
}

/** The token endpoint's answer, in RFC 6749 §5.1 field names. */
export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** What a valid access token grants: the client (API key) it was issued to, its tenant and scopes. */
export interface AccessGrant {
  clientId: string;
  tenantId: string | null;
  scopes: Scope[];
  expiresAt: number;
}

/** The RFC 6749 §5.2 error a HookpostError from this module stands for (in its details). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

/** Raises an OAuth error as a catalogued HookpostError; `details.oauth_error` carries the RFC code. */
export function oauthError(error: OAuthErrorCode, description: string): HookpostError {
  return new HookpostError(error === 'invalid_client' ? 'unauthorized' : 'bad_request', description, { oauth_error: error });
}

/** The RFC 6749 error code of a HookpostError raised here, or undefined for any other error. */
export function oauthErrorCode(error: HookpostError): OAuthErrorCode | undefined {
  const details = error.details as { oauth_error?: OAuthErrorCode } | undefined;
  return details?.oauth_error;
}

/**
 * Authenticates the client and issues an access token carrying the requested subset of its
 * scopes (all of them when `scope` is absent) and its tenant. Errors carry their RFC code.
 */
export async function issueClientCredentialsToken(
  deps: ServiceDeps,
  request: ClientCredentialsRequest,
): Promise<{ response: AccessTokenResponse; grant: AccessGrant }> {
  const key = await authenticateClient(deps, request.clientId, request.clientSecret);
  const scopes = grantedScopes(key, request.scope);
  const now = deps.now();
  const ttlMs = deps.accessTokenTtlMs ?? DEFAULT_TTL_MS;
  const grant: AccessGrant = { clientId: key.id, tenantId: key.tenantId, scopes, expiresAt: now + ttlMs };
  const payload = Buffer.from(
    JSON.stringify({ sub: grant.clientId, ten: grant.tenantId, scp: grant.scopes, iat: now, exp: grant.expiresAt, jti: randomBytes(9).toString('base64url') }),
  ).toString('base64url');
  const [macKey] = deps.secrets.deriveKeys(MAC_PURPOSE);
  const body = ACCESS_TOKEN_PREFIX + payload;
  const token = `${body}.${mac(macKey!, body)}`;
  return {
    response: { access_token: token, token_type: 'Bearer', expires_in: Math.floor(ttlMs / 1000), scope: scopes.join(' ') },
    grant,
  };
}

/**
 * The grant of an access token, or undefined if it is not one of ours, was tampered with, has
 * expired, or its client key was revoked or deleted since. The scopes are narrowed to what the
 * key still holds.
 */
export async function verifyAccessToken(deps: ServiceDeps, token: string): Promise<AccessGrant | undefined> {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX) || token.length > 4096) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot < 0) return undefined;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  // Every key that may have signed it: the current one and those kept during a key rotation.
  const signed = deps.secrets.deriveKeys(MAC_PURPOSE).some((macKey) => {
    const expected = Buffer.from(mac(macKey, body), 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!signed) return undefined;
  let claims: { sub?: unknown; ten?: unknown; scp?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(body.slice(ACCESS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { sub, ten, scp, exp } = claims;
  if (typeof sub !== 'string' || typeof exp !== 'number' || !Array.isArray(scp) || (ten !== null && typeof ten !== 'string')) return undefined;
  if (exp <= deps.now()) return undefined;
  const key = await deps.store.getApiKey(sub);
  if (!key || key.revokedAt !== null || key.tenantId !== ten) return undefined;
  const scopes = (scp as unknown[]).filter((s): s is string => typeof s === 'string' && holds(key, s));
  return { clientId: key.id, tenantId: key.tenantId, scopes, expiresAt: exp };
}

/**
 * Reads a token request from its parameters (form or JSON body) and Authorization header:
 * grant_type must be client_credentials; the client authenticates with HTTP Basic or with
 * client_id and client_secret in the body, not both (RFC 6749 §2.3.1).
 */
export function readTokenRequest(params: unknown, authorization: string | undefined): ClientCredentialsRequest {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw oauthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded or a JSON object.');
  }
  const fields = params as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw oauthError('invalid_request', `${name} must be given once, as a string.`);
    return value;
  };
  const grantType = text('grant_type');
  if (grantType === undefined) throw oauthError('invalid_request', 'grant_type is required.');
  if (grantType !== 'client_credentials') throw oauthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
  const scope = text('scope');
  const bodyId = text('client_id');
  const bodySecret = text('client_secret');
  const basic = parseBasic(authorization);
  if (basic && (bodyId !== undefined || bodySecret !== undefined)) {
    if (bodySecret !== undefined || bodyId !== basic.clientId) {
      throw oauthError('invalid_request', 'Authenticate the client one way: HTTP Basic or the body, not both.');
    }
  }
  return basic ? { ...basic, scope } : { clientId: bodyId, clientSecret: bodySecret, scope };
}

// RFC 6749 §2.3.1: the id and secret are form-urlencoded before being joined by a colon.
function parseBasic(authorization: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]{1,2048})\s*$/i.exec(authorization);
  if (!match?.[1]) {
    if (authorization !== undefined && /^Basic\b/i.test(authorization)) throw oauthError('invalid_client', 'The Basic credentials cannot be read.');
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw oauthError('invalid_client', 'The Basic credentials cannot be read.');
  try {
    const unescape = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: unescape(decoded.slice(0, colon)), clientSecret: unescape(decoded.slice(colon + 1)) };
  } catch {
    throw oauthError('invalid_client', 'The Basic credentials cannot be read.');
  }
}

async function authenticateClient(deps: ServiceDeps, clientId: string | undefined, clientSecret: string | undefined): Promise<ApiKey> {
  if (!clientId || !clientSecret) throw oauthError('invalid_client', 'Send client_id and client_secret, in the body or with HTTP Basic.');
  // Looked up by the secret's hash, so timing says nothing about the secret; the id is then
  // compared as digests of equal length, in constant time.
  const key = clientSecret.length <= 512 ? await deps.store.findApiKeyByHash(hashToken(clientSecret)) : undefined;
  const idMatches = key !== undefined && timingSafeEqual(digest(key.id), digest(clientId));
  if (!key || !idMatches || key.revokedAt !== null) throw oauthError('invalid_client', 'The client is unknown, or the secret is wrong.');
  return key;
}

function grantedScopes(key: ApiKey, requested: string | undefined): Scope[] {
  if (requested === undefined || requested.trim() === '') return [...key.scopes];
  if (requested.length > MAX_SCOPE_LENGTH) throw oauthError('invalid_scope', 'The scope list is too long.');
  const scopes = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  const refused = scopes.filter((scope) => !holds(key, scope));
  if (refused.length > 0) throw oauthError('invalid_scope', `This client may not have: ${refused.join(' ')}.`);
  return scopes;
}

// `admin` implies every other scope, but only on a key bound to no tenant (a tenant key never holds it).
function holds(key: ApiKey, scope: string): boolean {
  return key.scopes.includes(scope) || (key.tenantId === null && key.scopes.includes('admin'));
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
