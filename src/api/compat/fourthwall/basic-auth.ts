import type { FastifyInstance } from 'fastify';
import { findKeyForToken } from '../../../service/api-keys.js';
import { keyPrincipal } from '../../auth.js';
import type { ServiceDeps } from '../../../service/deps.js';

/**
 * Fourthwall's HTTP Basic credentials: the username is an API key's id and the password its
 * token (Fourthwall's "API keys have full access"). A Bearer credential has been resolved by the
 * app already; this only fills in a principal for Basic, before the route's access is checked.
 */
export function acceptBasicAuth(app: FastifyInstance, service: ServiceDeps): void {
  app.addHook('onRequest', async (request) => {
    if (request.principal) return;
    const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) return;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return;
    const key = await findKeyForToken(service, decoded.slice(colon + 1));
    if (key && key.id === decoded.slice(0, colon)) request.principal = keyPrincipal(key);
  });
}
