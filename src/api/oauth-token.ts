import type { FastifyReply, FastifySchema } from 'fastify';
import { Type } from '../vendor/typebox.js';
import type { HookpostError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import { issueClientCredentialsToken, oauthError, oauthErrorCode, readTokenRequest } from '../service/oauth.js';
import { toHookpostError } from './errors.js';
import type { RoutePlugin } from './v1/context.js';

const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.Unknown({ description: 'client_credentials' })),
    client_id: Type.Optional(Type.Unknown({ description: "The API key's id (unless sent with HTTP Basic)." })),
    client_secret: Type.Optional(Type.Unknown({ description: "The API key's token (unless sent with HTTP Basic)." })),
    scope: Type.Optional(Type.Unknown({ description: "Space-separated subset of the key's scopes; all of them when absent." })),
  },
  { additionalProperties: true },
);
const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() });

/** Where a door's token endpoint lives and how its clients spell scopes. */
export interface TokenEndpoint {
  /** The route path, relative to the door's prefix. */
  path: string;
  /**
   * The key scope a requested scope name stands for (Timeback's scope URIs), or undefined if the
   * door knows no such name. Absent: names are key scopes as they are.
   */
  keyScopeOf?: (name: string) => Scope | undefined;
  /** OpenAPI wording; doors whose routes stay out of the native document need none. */
  docs?: Pick<FastifySchema, 'tags' | 'summary' | 'description'>;
}

/**
 * A token endpoint: the OAuth2 client credentials grant (RFC 6749 §4.4) of the shared OAuth
 * service, with its own error shape (§5.2). Form-encoded and JSON bodies are both read; the
 * client authenticates with HTTP Basic or in the body. Each door that documents a token endpoint
 * mounts one of these at its own path; only the scope spelling differs.
 */
export function tokenEndpoint(endpoint: TokenEndpoint): RoutePlugin {
  return async (app, { service }) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      // A null-prototype object: a `__proto__` parameter is then just a name.
      const params: Record<string, string | string[]> = Object.create(null);
      for (const [name, value] of new URLSearchParams(body as string)) {
        const seen = params[name];
        params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
      }
      done(null, params);
    });
    app.setErrorHandler((error, request, reply) => {
      const mapped = toHookpostError(error);
      if (mapped.code === 'internal') request.log.error({ err: error }, 'unhandled error');
      return sendOAuthError(reply, mapped);
    });

    app.post(
      endpoint.path,
      {
        schema: {
          ...endpoint.docs,
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          security: [],
          body: TokenRequest,
          response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError },
        },
        config: { audit: false },
      },
      async (request, reply) => {
        const tokenRequest = readTokenRequest(request.body, request.headers.authorization);
        const spelling = endpoint.keyScopeOf ? respell(tokenRequest.scope, endpoint.keyScopeOf) : undefined;
        const { response } = await issueClientCredentialsToken(service, spelling ? { ...tokenRequest, scope: spelling.scope } : tokenRequest);
        // The granted scopes are answered in the names the client asked for them by.
        const scope = spelling ? response.scope.split(' ').map((granted) => spelling.names.get(granted) ?? granted).join(' ') : response.scope;
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({ ...response, scope });
      },
    );
  };
}

/** `POST /oauth/token`: the native token endpoint. */
export const oauthTokenRoutes = tokenEndpoint({
  path: '/oauth/token',
  docs: {
    tags: ['oauth'],
    summary: 'Get an access token (OAuth2 client credentials)',
    description:
      'An OAuth client is an API key: `client_id` is the key id, `client_secret` the key token. The access token is a bearer token for every route the granted scopes allow, valid for `expires_in` seconds and refused as soon as its key is revoked.',
  },
});

// A door's scope names, translated to key scopes; an unknown name is the client's error.
function respell(requested: string | undefined, keyScopeOf: (name: string) => Scope | undefined) {
  const names = new Map<Scope, string>();
  // A list too long to be real is passed on as it is, for the service to refuse.
  if (requested === undefined || requested.length > 2_000) return { scope: requested, names };
  const unknown: string[] = [];
  const scopes = requested
    .split(' ')
    .filter((name) => name !== '')
    .map((name) => {
      const scope = keyScopeOf(name);
      if (scope === undefined) unknown.push(name);
      else names.set(scope, name);
      return scope;
    });
  if (unknown.length > 0) throw oauthError('invalid_scope', `Unknown scope: ${unknown.join(' ').slice(0, 200)}.`);
  return { scope: scopes.join(' '), names };
}

// Every failure gets the RFC shape: OAuth errors with their own code; a malformed request
// (bad JSON, wrong media type, too large) is invalid_request; throttling keeps its 429.
function sendOAuthError(reply: FastifyReply, error: HookpostError): FastifyReply {
  const code = oauthErrorCode(error);
  let status = error.status;
  let name: string = code ?? 'invalid_request';
  if (code === undefined) {
    if (error.code === 'rate_limited') name = 'slow_down';
    else if (error.status >= 500) name = 'server_error';
    else status = 400;
  }
  if (status === 401) reply.header('www-authenticate', 'Basic realm="hookpost", charset="UTF-8"');
  if (error.code === 'rate_limited') reply.header('retry-after', String((error.details as { retry_after?: number }).retry_after ?? 1));
  const description = status >= 500 ? 'Something went wrong on our side.' : error.message;
  return reply.status(status).header('cache-control', 'no-store').type('application/json').send({ error: name, error_description: description });
}
