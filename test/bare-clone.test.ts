import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A clone with nothing beside it must pass its own tests: no code, test, benchmark or script may
// name a path that leaves the repository (the design notes and seed documents the project was
// started from live outside it; the facts the tests need are fixtures under test/fixtures/).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'test', 'bench', 'scripts', '.ci', 'bin'];
const SOURCE = /\.(ts|js|mjs|cjs|sh)$|^run$/;

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (entry === 'node_modules' || entry === 'results' || entry.startsWith('node2')) continue;
    if (statSync(full).isDirectory()) found.push(...filesUnder(full));
    else if (SOURCE.test(entry)) found.push(full);
  }
  return found;
}

// src/ and bench/ run compiled, from dist/<the same path>: their relative paths resolve from there.
const COMPILED = ['src', 'bench'];

/** Where a file runs from: its compiled copy under dist/ for compiled code, else the file itself. */
function runsFrom(file: string): string {
  const relative = path.relative(ROOT, file);
  return COMPILED.includes(relative.split(path.sep)[0]!) ? path.join(ROOT, 'dist', relative) : file;
}

/** Every quoted relative path (`'../…'`) in a file that resolves outside the repository. */
function escapingPaths(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const literals = [...text.matchAll(/['"`]((?:\.\.\/)+[^'"`$]*)['"`]/g)].map((match) => match[1]!);
  return literals.filter((literal) => {
    const resolved = path.resolve(path.dirname(runsFrom(file)), literal);
    return path.relative(ROOT, resolved).startsWith('..');
  });
}

describe('a bare clone', () => {
  const files = SCANNED.flatMap((dir) => filesUnder(path.join(ROOT, dir)));

  it('scans the code, tests, benchmarks and scripts', () => {
    expect(files.some((file) => file.endsWith(path.join('test', 'compat', 'shared-seeds.ts')))).toBe(true);
    expect(files.some((file) => file.endsWith(path.join('.ci', 'run')))).toBe(true);
  });

  it('names no path outside the repository', () => {
    const offenders = files.flatMap((file) => escapingPaths(file).map((literal) => `${path.relative(ROOT, file)}: ${literal}`));
    expect(offenders).toEqual([]);
  });

  it('never reads the seed documents or design notes that live beside the repository', () => {
    const outside = new RegExp(['shared', '(seeds|design)'].join('/'));
    const offenders = files.filter((file) => outside.test(readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('keeps the seed pages the compat suites check against as fixtures naming their source', () => {
    const fixtures = readdirSync(path.join(ROOT, 'test', 'fixtures', 'seeds'));
    for (const platform of ['schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific']) {
      const own = fixtures.filter((name) => name.startsWith(`${platform}.`));
      expect(own.length, platform).toBeGreaterThan(0);
      for (const name of own) {
        const head = readFileSync(path.join(ROOT, 'test', 'fixtures', 'seeds', name), 'utf8').slice(0, 600);
        expect(head, name).toMatch(/https:\/\//);
        expect(head.toLowerCase(), name).toContain(platform);
      }
    }
  });
});
