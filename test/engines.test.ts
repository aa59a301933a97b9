import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `engines` says what CI proves: every Node major CI runs the suite on is listed, and no other.

describe('engines', () => {
  it('lists exactly the Node majors .ci/run tests, the running one among them', () => {
    const engines: string = JSON.parse(readFileSync('package.json', 'utf8')).engines.node;
    const listed = [...engines.matchAll(/\^(\d+)\./g)].map((match) => Number(match[1])).sort();
    const ci = readFileSync('.ci/run', 'utf8');
    const tested = [20, ...[...ci.matchAll(/^run_on_node (\d+)$/gm)].map((match) => Number(match[1]))].sort();
    expect(ci).toMatch(/^run_suite node20$/m); // the machine's Node 20
    expect(listed).toEqual(tested);
    expect(listed).toContain(Number(process.versions.node.split('.')[0]));
  });
});
