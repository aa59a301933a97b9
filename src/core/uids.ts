import type { ErrorDetail } from './errors.js';

const UID = /^[a-zA-Z0-9\-_.]{1,256}$/;

/**
 * The problems of a caller-chosen uid: 1 to 256 letters, digits, `-`, `_` or `.`, and not starting
 * with `reservedPrefix` (the prefix of the ids minted for that kind of object, so that a path
 * parameter holding either can always tell them apart).
 */
export function uidProblems(uid: string, reservedPrefix: string, pointer = '/uid'): ErrorDetail[] {
  if (!UID.test(uid)) return [{ pointer, message: 'must be 1 to 256 of a-z, A-Z, 0-9, -, _ and .', reason: 'uid_format' }];
  if (uid.startsWith(reservedPrefix)) return [{ pointer, message: `must not start with ${reservedPrefix}`, reason: 'uid_prefix' }];
  return [];
}
