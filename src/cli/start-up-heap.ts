// Loading the API (about 1,100 modules) allocates quickly and keeps most of what it allocates, so
// V8 doubles the main thread's young generation while it starts: to 32 MB, about 16 MB still
// committed (and resident) at idle, with under 4 MB of it live. The growth factor is read at each
// scavenge, so holding it at 1 while the process starts keeps the young generation at its
// initial 2 MB; released once started, it grows again under load as it always did. Measured:
// docs/performance.md, "Start-up and memory". (It does not reach the delivery thread: a worker's
// young generation grows regardless of this flag.)
import { setFlagsFromString } from 'node:v8';

const FLAG = '--semi-space-growth-factor';
/** V8's default (node --v8-options). */
const DEFAULT_FACTOR = 2;

/** Whoever started node chose the factor themselves: then it is theirs, before and after start-up. */
function chosenByOperator(): boolean {
  // NODE_OPTIONS is node's own setting, not Hookpost's configuration, so it is read here.
  return process.execArgv.some((arg) => arg.includes('semi-space-growth-factor')) || (process.env.NODE_OPTIONS ?? '').includes('semi-space-growth-factor');
}

/** Keeps the young generation at its initial size until `releaseYoungGeneration`. */
export function holdYoungGeneration(): void {
  if (!chosenByOperator()) setFlagsFromString(`${FLAG}=1`);
}

/** Lets the young generation grow again, as V8 does by default. */
export function releaseYoungGeneration(): void {
  if (!chosenByOperator()) setFlagsFromString(`${FLAG}=${DEFAULT_FACTOR}`);
}
