#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point: runs the CLI from dist/ (compiled by `npm ci` or `npm run build`) when it is at least
// as new as every file in src/; otherwise loads the TypeScript sources through tsx, so an edit is
// never answered by stale code. The shebang (and `npm start`) give V8 a 32 MB young-generation
// semi-space instead of 16 MB: a request's objects then die young instead of reaching the old
// generation while 32 others are in flight (docs/performance.md).
import { readdirSync, statSync } from 'node:fs';

const src = new URL('../src/', import.meta.url);
const stamp = new URL('../dist/build-stamp', import.meta.url);

function newestSourceMs() {
  let newest = 0;
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = `${entry.parentPath ?? entry.path}/${entry.name}`;
    newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtMs() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

let main;
if (builtMs() >= newestSourceMs()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
