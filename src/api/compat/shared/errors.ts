import type { FastifyInstance, FastifyReply } from 'fastify';
import { HookpostError, type ErrorDetail } from '../../../core/errors.js';
import { toHookpostError } from '../../errors.js';

/** A platform's answer to a failure: its status, its body and, if not JSON, its media type. */
export interface PlatformError {
  status: number;
  body: unknown;
  contentType?: string;
}

/** Maps a Hookpost error code (and its details) to the platform's own error shape. */
export type ErrorMapper = (error: HookpostError) => PlatformError;

/**
 * Makes every failure under this plugin (route errors, validation, bad JSON, unknown routes)
 * answer in the platform's shape. Unknown errors are logged and still mapped as `internal`.
 */
export function installPlatformErrors(app: FastifyInstance, mapError: ErrorMapper): void {
  const send = (reply: FastifyReply, error: HookpostError) => {
    const answer = mapError(error);
    // Whatever the platform's shape, a client told to wait is told how long (as the native API does).
    if (answer.status === 429 || answer.status === 503) reply.header('retry-after', String(retryAfterOf(error)));
    return reply
      .status(answer.status)
      .type(answer.contentType ?? 'application/json')
      .send(answer.body === undefined ? '' : JSON.stringify(answer.body));
  };
  app.setErrorHandler((error, request, reply) => {
    const mapped = toHookpostError(error);
    if (mapped.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    return send(reply, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, new HookpostError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`, UNKNOWN_ROUTE)),
  );
}

const UNKNOWN_ROUTE = { route: 'unknown' } as const;

/** True for the not_found of a path no route serves (rather than of a missing object). */
export function isUnknownRoute(error: HookpostError): boolean {
  return error.code === 'not_found' && (error.details as { route?: string } | undefined)?.route === UNKNOWN_ROUTE.route;
}

function retryAfterOf(error: HookpostError): number {
  const seconds = (error.details as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 1;
}

/** The problems an error carries, or none (errors without field details). */
export function problemsOf(error: HookpostError): ErrorDetail[] {
  return Array.isArray(error.details) ? error.details : [];
}

/**
 * The field a problem is about, in the platform's spelling: a JSON pointer (`/extra_parameters/offerFilter`)
 * becomes its dotted path, after renaming the core's field names (`/url`) to the platform's.
 */
export function fieldOf(detail: ErrorDetail, renames: Record<string, string> = {}): string {
  const pointer = renames[detail.pointer] ?? detail.pointer;
  const field = pointer
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  return field === '' ? 'body' : field;
}

/** The pointer of a problem after renaming the core's field names to the platform's. */
export function pointerOf(detail: ErrorDetail, renames: Record<string, string> = {}): string {
  return renames[detail.pointer] ?? detail.pointer;
}

/**
 * One problem per field: a value that fails a union is reported once per branch and then as a
 * whole; the last report of a field is the one about the whole.
 */
export function distinctProblems(details: ErrorDetail[]): ErrorDetail[] {
  const byPointer = new Map<string, ErrorDetail>();
  for (const detail of details) {
    byPointer.delete(detail.pointer);
    byPointer.set(detail.pointer, detail);
  }
  return [...byPointer.values()];
}
