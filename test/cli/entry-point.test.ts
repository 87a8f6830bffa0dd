// bin/imagegate.js runs the compiled dist/ with plain node (no TypeScript loader, whatever the
// sources look like), and refuses to start, saying how to build, when dist/ was never built.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('bin/imagegate.js', () => {
  let root: string;
  const run = () =>
    spawnSync(process.execPath, [join(root, 'bin', 'imagegate.js'), '--help'], { encoding: 'utf8' });

  beforeAll(() => {
    // No node_modules: the entry point needs nothing but node and dist/.
    root = mkdtempSync(join(tmpdir(), 'imagegate-entry-'));
    for (const directory of ['bin', 'src/cli', 'dist/cli'])
      mkdirSync(join(root, directory), { recursive: true });
    copyFileSync(resolve('bin/imagegate.js'), join(root, 'bin', 'imagegate.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    writeFileSync(
      join(root, 'src/cli/main.ts'),
      "export async function main(): Promise<void> { process.stdout.write('src'); }\n",
    );
    writeFileSync(
      join(root, 'dist/cli/main.js'),
      "export async function main(argv) { process.stdout.write(['dist', ...argv.slice(2)].join(' ')); }\n",
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs dist/ with its arguments, even when a source file is newer than the build', () => {
    writeFileSync(join(root, 'dist/build-stamp'), 'built\n');
    writeFileSync(
      join(root, 'src/cli/main.ts'),
      "export async function main() { process.stdout.write('src'); }\n",
    );
    const result = run();
    expect(result.stdout).toBe('dist --help');
    expect(result.status).toBe(0);
  });

  it('exits 1 and says to run the build when dist/ was never built', () => {
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('run `npm run build`');
  });
});
