import { HookpostError } from '../core/errors.js';

/** The reason of a conflict over a caller-chosen uid, for doors that answer it in their own words. */
export const UID_TAKEN = 'uid_taken';

/** The conflict a store raises when an insert lost to a row holding the same uid in the same parent. */
export function uidTaken(object: { uid?: string | null }): HookpostError {
  return new HookpostError('conflict', `The uid ${object.uid ?? ''} is taken.`, { reason: UID_TAKEN });
}
