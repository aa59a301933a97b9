// Replaces dist/src/vendor/typebox.js (tsc's one-line re-export) with TypeBox bundled into one
// module: see src/vendor/typebox.ts for why. Its declaration file stays tsc's, so types still
// come from the package.
import { rolldown } from 'rolldown';

const bundle = await rolldown({ input: 'typebox', platform: 'node', logLevel: 'warn' });
await bundle.write({ file: 'dist/src/vendor/typebox.js', format: 'esm', sourcemap: true });
await bundle.close();
