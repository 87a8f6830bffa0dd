import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = resolve(import.meta.dirname, '../../bin/imagegate.js');

describe('imagegate upstream-sim command', () => {
  it('prints its address on stdout, applies --fault and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [entry, 'upstream-sim', '--port', '0', '--fault', '503', '--quiet'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    while (!stdout.includes('\n')) await once(child.stdout, 'data');
    const url = /^upstream-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
    expect(url).toBeTruthy();
    const response = await fetch(`${url}/v1beta/models/gemini-3.1-flash-image:generateContent?key=k`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle' }] }] }),
    });
    expect(response.status).toBe(503);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('exits with code 2 and the allowed kinds for an unknown fault', async () => {
    const child = spawn(process.execPath, [entry, 'upstream-sim', '--fault', 'bogus'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown fault "bogus"');
  });
});
