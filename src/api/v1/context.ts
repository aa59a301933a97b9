import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceDeps } from '../../service/deps.js';
import type { PayloadSchemas } from '../../service/payload-schemas.js';
import type { PublishCaller } from '../../service/publish.js';

/** What the native routes use. */
export interface RouteDeps {
  service: ServiceDeps;
  schemas: PayloadSchemas;
}

/** A Fastify instance whose route schemas type the handlers. */
export type TypedApp = FastifyInstance<RawServerDefault> & { withTypeProvider<T extends TypeBoxTypeProvider>(): FastifyInstance };

/** A plugin of native routes. */
export type RoutePlugin = FastifyPluginAsync<RouteDeps, RawServerDefault, TypeBoxTypeProvider>;

/** Standard error responses for the OpenAPI document. */
export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  422: { $ref: 'Error#' },
} as const;

/** The publish caller's trace context: the request's W3C `traceparent` header, when it sent one. */
export function callerOf(request: FastifyRequest): PublishCaller {
  const header = request.headers.traceparent;
  return typeof header === 'string' ? { traceParent: header } : {};
}
