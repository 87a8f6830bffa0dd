#!/usr/bin/env node
// Compiles src/ to dist/ (run by `npm ci`/`npm install` as `prepare`, and by `npm run build`), so
// `imagegate` runs plain JavaScript: no TypeScript loader thread, no transpiling at start, ~40 MB
// less resident memory. Without typescript (an install that omits dev dependencies) it does nothing
// and bin/imagegate.js runs the sources through tsx instead.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('imagegate build: typescript is not installed; skipped (bin/imagegate.js runs src/ through tsx)');
  process.exit(0);
}
// A clean build: nothing of a removed or renamed source survives, and a failed build leaves no
// build stamp behind, so bin/imagegate.js does not take a half-written dist/ for current.
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
mkdirSync(join(root, 'dist', 'catalog'), { recursive: true });
copyFileSync(join(root, 'src', 'catalog', 'builtin-models.yaml'), join(root, 'dist', 'catalog', 'builtin-models.yaml'));
writeFileSync(join(root, 'dist', 'build-stamp'), `${new Date().toISOString()}\n`);
