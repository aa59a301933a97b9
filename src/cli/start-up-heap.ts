// Starting allocates quickly and keeps most of what it allocates (modules, schemas, routes), so
// V8 doubles a thread's young generation while it starts: the API thread's to 16-32 MB and the
// delivery thread's to 8 MB, committed (and resident) at idle with 1-4 MB live in each, until V8
// gives it back by itself 20-40 s later. The growth factor is read at each scavenge, so holding it
// at 1 while a thread starts keeps its young generation at 1-2 MB; once released, it grows under
// load again (to 32 MB within about 10 s of single publishes, measured). Measured:
// docs/performance.md, "Start-up and memory".
//
// V8's flags belong to the process. Node 20 and 22 apply them again whenever a worker thread
// starts, which ends the API thread's hold (its start-up is over by then); Node 24 does not, and
// the hold lasts until released. Either way the delivery thread holds its own start-up
// (./hold-young-generation.js, imported first) and releases it once its dispatcher runs.
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
