// Imported first by the delivery thread's module: ES modules run in the order they are imported,
// so the thread's young generation is held before the rest of its modules load (start-up-heap.ts).
// The thread releases it once its dispatcher runs.
import { holdYoungGeneration } from './start-up-heap.js';

holdYoungGeneration();
