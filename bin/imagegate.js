#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point: runs the compiled CLI in dist/ with plain node. `npm ci` builds dist/ (the `prepare`
// script) and so does `npm run build`; production installs build first, then drop the dev
// dependencies (docs/deploy.md). The shebang (and `npm start`) give V8 a 32 MB young-generation
// semi-space instead of 16 MB: a request's objects then die young instead of reaching the old
// generation while 32 others are in flight (docs/performance.md).
import { existsSync } from 'node:fs';

// scripts/build.js writes the stamp last: without it there is no complete build to run.
if (!existsSync(new URL('../dist/build-stamp', import.meta.url))) {
  console.error(
    'imagegate: dist/ is not built; run `npm run build` (it needs the dev dependencies: `npm ci`)',
  );
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
await main(process.argv);
