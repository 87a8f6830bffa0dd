// bin/imagegate.js runs dist/ only while it is at least as new as every file in src/; otherwise the
// TypeScript sources, so an edit not yet built is never answered by stale code.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('bin/imagegate.js', () => {
  let root: string;
  const run = () => execFileSync(process.execPath, [join(root, 'bin', 'imagegate.js')], { encoding: 'utf8' });
  const age = (path: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(root, path), at, at);
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'imagegate-entry-'));
    for (const directory of ['bin', 'src/cli', 'dist/cli'])
      mkdirSync(join(root, directory), { recursive: true });
    copyFileSync(resolve('bin/imagegate.js'), join(root, 'bin', 'imagegate.js'));
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    const main = (from: string) =>
      `export async function main(): Promise<void> { process.stdout.write('${from}'); }\n`;
    writeFileSync(join(root, 'src/cli/main.ts'), main('src'));
    writeFileSync(join(root, 'dist/cli/main.js'), main('dist').replace(': Promise<void>', ''));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs the sources when nothing was built', () => {
    expect(run()).toBe('src');
  });

  it('runs dist/ when it was built after the last source change', () => {
    writeFileSync(join(root, 'dist/build-stamp'), 'built\n');
    age('src/cli/main.ts', 60);
    expect(run()).toBe('dist');
  });

  it('runs the sources again once a source file is newer than the build', () => {
    age('dist/build-stamp', 120);
    expect(run()).toBe('src');
  });
});
