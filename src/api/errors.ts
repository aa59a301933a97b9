import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HookpostError, isHookpostError, type ErrorDetail } from '../core/errors.js';

/** The one JSON shape of every native error. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * Turns anything thrown by a native route into a HookpostError: our own errors pass through,
 * Fastify's request errors (validation, size, media type, bad JSON) become their 4xx codes, and
 * anything else is an internal error whose details are logged, never sent.
 */
export function toHookpostError(error: unknown): HookpostError {
  if (isHookpostError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    const part = fastifyError.validationContext ?? 'body';
    const details = fastifyError.validation.map((issue) => toDetail(issue, part));
    return part === 'body'
      ? new HookpostError('validation_failed', 'The request body is not valid.', details)
      : new HookpostError('bad_request', `The request ${part === 'querystring' ? 'query' : part} is not valid.`, details);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HookpostError('payload_too_large', 'The request body is larger than this server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HookpostError('unsupported_media_type', 'Send JSON with Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HookpostError('bad_request', 'The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HookpostError('bad_request', 'The body is not valid JSON.');
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new HookpostError(status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request', safeMessage(fastifyError.message));
  }
  return new HookpostError('internal', 'Something went wrong on our side.');
}

/** Installs the native error handler and the 404 for unknown routes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toHookpostError(error);
    if (mapped.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, mapped);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, new HookpostError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

/** Sends a HookpostError in the native shape. */
export function sendError(reply: FastifyReply, error: HookpostError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  if (error.code === 'unauthorized') reply.header('www-authenticate', 'Bearer realm="hookpost"');
  if (error.code === 'rate_limited' || error.code === 'unavailable') {
    const retryAfter = (error.details as { retry_after?: number } | undefined)?.retry_after;
    reply.header('retry-after', String(retryAfter ?? 1));
  }
  return reply.status(error.status).type('application/json').send(body);
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function toDetail(issue: ValidationIssue, part: string): ErrorDetail {
  const prefix = part === 'body' ? '' : `/${part === 'querystring' ? 'query' : part}`;
  let pointer = `${prefix}${issue.instancePath}`;
  if (issue.keyword === 'required') pointer += `/${String(issue.params.missingProperty)}`;
  if (issue.keyword === 'additionalProperties') pointer += `/${String(issue.params.additionalProperty)}`;
  const message =
    issue.keyword === 'additionalProperties' ? 'is not a known field' : issue.keyword === 'required' ? 'is required' : (issue.message ?? 'is not valid');
  return { pointer: pointer || '/', message };
}

function safeMessage(message: string | undefined): string {
  return (message ?? 'Bad request.').replace(/\s+/g, ' ').slice(0, 300);
}
