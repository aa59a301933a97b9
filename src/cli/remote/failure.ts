import { HookpostApiError, HookpostConnectionError } from '../../client/index.js';
import { ConfigError } from '../../config/config.js';
import { EXIT, UsageError } from '../exit-codes.js';

/** The exit code and message for an error a remote command ended with. */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof HookpostApiError) {
    const details = error.details === undefined ? '' : `\n${JSON.stringify(error.details, null, 2)}`;
    const message = `${error.code} (${error.status}): ${error.message}${details}`;
    if (error.status === 404) return { code: EXIT.notFound, message };
    if (error.status === 401 || error.status === 403) return { code: EXIT.unauthorized, message };
    if (error.status >= 500) return { code: EXIT.unavailable, message };
    return { code: EXIT.refused, message };
  }
  if (error instanceof HookpostConnectionError) return { code: EXIT.unavailable, message: error.message };
  if (error instanceof ConfigError || error instanceof UsageError) return { code: EXIT.usage, message: error.message };
  return { code: EXIT.unavailable, message: error instanceof Error ? error.message : String(error) };
}
