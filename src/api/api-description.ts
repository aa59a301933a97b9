import { swaggerOnDemand } from './openapi-on-demand.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

const DOCS = '/docs';

/**
 * Hookpost's own OpenAPI document at /openapi.json (and its viewer at /docs), generated from the
 * route schemas of every native route registered after this: the /v1 API, the token endpoint and
 * the probes. The doors are left out: each describes itself at /compat/<name>/openapi.json.
 */
export async function installApiDescription(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swaggerOnDemand, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hookpost API', version, description: 'Durable events, signed webhook deliveries, retries and logs.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: url.startsWith('/compat/') ? { ...schema, hide: true } : schema, url }),
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  serveDocsOnFirstRequest(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * The viewer at /docs, loaded when it is first asked for: swagger-ui (its routes, @fastify/static
 * and their modules) costs start-up time and memory in every process, and most never serve it.
 * Fastify takes no routes once listening, so the viewer runs in a small app of its own, over this
 * app's document, and /docs/… requests are passed to it whole (status, headers, body).
 */
function serveDocsOnFirstRequest(app: FastifyInstance): void {
  let viewer: Promise<FastifyInstance> | null = null;
  const openViewer = async () => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const inner = Fastify();
    // swagger-ui reads the document from `swagger()` and names @fastify/swagger as its dependency.
    const document = async (instance: FastifyInstance) => void instance.decorate('swagger', app.swagger.bind(app));
    Object.assign(document, { [Symbol.for('skip-override')]: true, [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' } });
    await inner.register(document);
    await inner.register(swaggerUi, { routePrefix: DOCS });
    await inner.ready();
    return inner;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    // A failed load is tried again by the next request rather than kept.
    viewer ??= openViewer().catch((error: unknown) => {
      viewer = null;
      throw error;
    });
    // Always a GET: for a HEAD, Fastify drops the body this route sends and keeps its length.
    const answer = await (await viewer).inject({ method: 'GET', url: request.url, headers: request.headers });
    // What the viewer does not have is this app's own 404, as for any other unknown path.
    if (answer.statusCode === 404) return reply.callNotFound();
    const { 'transfer-encoding': _chunked, 'content-length': _length, connection: _connection, ...headers } = answer.headers;
    return reply.code(answer.statusCode).headers(headers).send(answer.rawPayload.length > 0 ? answer.rawPayload : undefined);
  };
  app.get(DOCS, { schema: { hide: true } }, forward);
  app.get(`${DOCS}/*`, { schema: { hide: true } }, forward);
}
