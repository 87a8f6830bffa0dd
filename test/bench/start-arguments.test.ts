import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartArguments } from '../../bench/peers.js';

describe('the bench starts imagegate as npm start does', () => {
  it('takes node arguments from this checkout’s start script', () => {
    expect(npmStartArguments(process.cwd())).toEqual([
      '--max-semi-space-size=32',
      'bin/imagegate.js',
      'serve',
    ]);
  });

  it('falls back to plain serve for a checkout whose start script says otherwise', () => {
    const directory = mkdtempSync(join(tmpdir(), 'imagegate-start-'));
    writeFileSync(
      join(directory, 'package.json'),
      JSON.stringify({ scripts: { start: 'tsx src/cli/main.ts serve' } }),
    );
    expect(npmStartArguments(directory)).toEqual(['bin/imagegate.js', 'serve']);
  });
});
