import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { HookpostError } from '../core/errors.js';
import { issueClientCredentialsToken, oauthErrorCode, readTokenRequest } from '../service/oauth.js';
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

/**
 * `POST /oauth/token`: the OAuth2 client credentials grant (RFC 6749 §4.4) with its own error
 * shape (§5.2). Form-encoded and JSON bodies are both read; the client authenticates with HTTP
 * Basic or in the body.
 */
export const oauthTokenRoutes: RoutePlugin = async (app, { service }) => {
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
    '/oauth/token',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Get an access token (OAuth2 client credentials)',
        description:
          'An OAuth client is an API key: `client_id` is the key id, `client_secret` the key token. The access token is a bearer token for every route the granted scopes allow, valid for `expires_in` seconds and refused as soon as its key is revoked.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        security: [],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError },
      },
      config: { audit: false },
    },
    async (request, reply) => {
      const tokenRequest = readTokenRequest(request.body, request.headers.authorization);
      const { response } = await issueClientCredentialsToken(service, tokenRequest);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },
  );
};

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
