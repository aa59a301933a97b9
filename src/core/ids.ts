import { monotonicFactory } from 'ulidx';

const nextUlid = monotonicFactory();

/** Prefixes of the ids Hookpost mints; the prefix tells a reader what kind of object an id names. */
export const ID_PREFIX = {
  tenant: 'ten',
  apiKey: 'key',
  subscription: 'sub',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'atm',
  audit: 'aud',
  task: 'tsk',
} as const;

/** A new id `<prefix>_<ULID>`: unique, and ordered by creation time within one process. */
export function newId(kind: keyof typeof ID_PREFIX): string {
  return `${ID_PREFIX[kind]}_${nextUlid()}`;
}
