#!/usr/bin/env node
// The CLI entry point: runs the compiled composition root (built by `npm ci` through `prepare`).
import '../dist/src/cli/main.js';
