import { execFileSync } from 'node:child_process';

/** Builds dist/ once, for the tests that run Hookpost as a separate process (as `npm start` does). */
export default async function setup() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
