#!/usr/bin/env node
// Compiles src/ to dist/ (run by `npm ci`/`npm install` as `prepare`, and by `npm run build`), which
// bin/imagegate.js runs with plain node. The build goes to a directory of its own and replaces
// dist/ only once complete, so a failed build or a run that reads dist/ meanwhile never sees half a
// build. Without typescript (an install that omits dev dependencies) it leaves dist/ as it is.
// `--no-check` skips type checking (a third of the time; the same output): for the test suite,
// whose `npm test` type-checks on its own.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error(
    existsSync(join(dist, 'build-stamp'))
      ? 'imagegate build: typescript is not installed; kept the dist/ built before'
      : 'imagegate build: typescript is not installed and dist/ is not built; run `npm ci && npm run build` first (docs/deploy.md)',
  );
  process.exit(0);
}
const check = process.argv.includes('--no-check') ? ['--noCheck'] : [];
const next = join(root, `.dist-${process.pid}`);
// The stamp carries the time the build read the sources, so an edit made meanwhile is newer.
const started = new Date();
rmSync(next, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next, ...check], {
    stdio: 'inherit',
  });
  mkdirSync(join(next, 'catalog'), { recursive: true });
  copyFileSync(join(root, 'src', 'catalog', 'builtin-models.yaml'), join(next, 'catalog', 'builtin-models.yaml'));
  writeFileSync(join(next, 'build-stamp'), `${started.toISOString()}\n`);
  utimesSync(join(next, 'build-stamp'), started, started);
  rmSync(dist, { recursive: true, force: true });
  renameSync(next, dist);
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  throw error;
}
