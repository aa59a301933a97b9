#!/usr/bin/env node
// The CLI entry point: runs the compiled composition root (built by `npm ci` through `prepare`).
// The young generation is held small while it loads and starts (src/cli/start-up-heap.ts); the
// import resolves once the command has started (`serve`: listening, the delivery thread ready;
// node 20 and 22 end the hold earlier, when that thread starts, and the thread holds its own start-up).
import { holdYoungGeneration, releaseYoungGeneration } from '../dist/src/cli/start-up-heap.js';

holdYoungGeneration();
try {
  await import('../dist/src/cli/main.js');
} finally {
  releaseYoungGeneration();
}
