import type { FastifyInstance } from 'fastify';

/** Lets this plugin's routes take JSON bodies sent with a platform's own JSON media type (e.g. `application/vnd.api+json`). */
export function acceptJsonAs(app: FastifyInstance, mediaType: string): void {
  app.addContentTypeParser(mediaType, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
}
