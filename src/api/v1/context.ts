import type { FastifyInstance, FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceDeps } from '../../service/deps.js';
import type { PayloadSchemas } from '../../service/payload-schemas.js';

/** What the native routes use. */
export interface RouteDeps {
  service: ServiceDeps;
  schemas: PayloadSchemas;
  /** Scopes the compat platforms define, grantable to tenant keys besides the tenant scopes. */
  platformScopes?: readonly string[];
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
