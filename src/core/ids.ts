import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

// ulidx asks the platform for one random byte per character (a getRandomValues call each);
// drawing them from a 4 KiB buffer refilled from the CSPRNG costs one call per 4,096 characters.
const pool = Buffer.alloc(4096);
let next = pool.length;
function bufferedRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  // A byte / 256 is uniform in [0, 1): each of the 32 base-32 characters gets 8 byte values.
  return pool[next++]! / 256;
}

const nextUlid = monotonicFactory(bufferedRandom);

/** Prefixes of the ids Hookpost mints; the prefix tells a reader what kind of object an id names. */
export const ID_PREFIX = {
  tenant: 'ten',
  apiKey: 'key',
  subscription: 'sub',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'atm',
  audit: 'aud',
  application: 'app',
  // Events published through a door whose API calls them messages (Svix's `msg_` ids).
  message: 'msg',
  task: 'tsk',
} as const;

/** A new id `<prefix>_<ULID>`: unique, and ordered by creation time within one process. */
export function newId(kind: keyof typeof ID_PREFIX): string {
  return `${ID_PREFIX[kind]}_${nextUlid()}`;
}
