// Vitest global setup: the tests that spawn `bin/imagegate.js` run dist/ with plain node, as
// production does, so dist/ must be built from the current sources. Once per `vitest run` (and per
// rerun in watch mode) this compiles src/ when a build input is newer than dist/'s build stamp.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

const root = join(import.meta.dirname, '..', '..');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'package-lock.json'];

/** Newest change under the build's inputs; folders count, so a deleted or renamed file does too. */
function newestInputMs(): number {
  let newest = 0;
  for (const input of inputs) {
    const path = join(root, input);
    const stats = statSync(path);
    newest = Math.max(newest, stats.mtimeMs);
    if (!stats.isDirectory()) continue;
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true }))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function builtMs(): number {
  try {
    return statSync(join(root, 'dist', 'build-stamp')).mtimeMs;
  } catch {
    return -1;
  }
}

/** Builds dist/ unless it is at least as new as every input; type checking is `npm test`'s own step. */
export function buildDistWhenStale(): void {
  if (builtMs() >= newestInputMs()) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build.js'), '--no-check'], { stdio: 'inherit' });
}

export default function setup(project: TestProject): void {
  buildDistWhenStale();
  project.onTestsRerun(async () => buildDistWhenStale());
}
