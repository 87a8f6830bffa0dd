import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = resolve(import.meta.dirname, '../../bin/imagegate.js');

/** Starts `imagegate upstream-sim` on a free port; resolves with its printed URL. */
async function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [entry, 'upstream-sim', '--port', '0', '--quiet', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  while (!stdout.includes('\n')) await once(child.stdout, 'data');
  const url = /^upstream-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
  if (!url) throw new Error(`unexpected stdout: ${stdout}`);
  return { child, url };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code as number | null;
}

/** Runs a command that should refuse to start; resolves with its exit code and stderr. */
async function refused(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [entry, 'upstream-sim', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stderr };
}

describe('imagegate upstream-sim command', () => {
  it('prints its address on stdout, applies --fault and stops on SIGTERM', async () => {
    const { child, url } = await startCli(['--fault', '503']);
    try {
      const response = await fetch(`${url}/v1beta/models/gemini-3.1-flash-image:generateContent?key=k`, {
        method: 'POST',
        body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle' }] }] }),
      });
      expect(response.status).toBe(503);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('exits with code 2 and the allowed kinds for an unknown fault', async () => {
    const { code, stderr } = await refused(['--fault', 'bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown fault "bogus"');
  });

  it('serves the list a --models file and the list flags make', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'imagegate-sim-cli-'));
    const file = join(directory, 'models.yaml');
    writeFileSync(file, 'openai:\n  models: [gpt-image-2, gpt-image-2.6-flare]\n');
    const { child, url } = await startCli([
      '--models',
      file,
      '--model-list',
      'gemini=gemini-3.1-flash-image,gemini-3-pro-image-preview',
      '--gone-model',
      'gpt-image-2',
      '--shutdown-date',
      'gpt-image-2.6-flare=2027-01-31',
    ]);
    try {
      const gemini = (await (await fetch(`${url}/v1beta/models?key=k`)).json()) as {
        models: { name: string }[];
      };
      expect(gemini.models.map((model) => model.name)).toEqual([
        'models/gemini-3.1-flash-image',
        'models/gemini-3-pro-image-preview',
      ]);
      const openai = (await (
        await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer k' } })
      ).json()) as { data: { id: string; shutdown_date: string | null }[] };
      expect(openai.data.filter((model) => model.id.startsWith('gpt-'))).toEqual([
        expect.objectContaining({ id: 'gpt-image-2.6-flare', shutdown_date: '2027-01-31' }),
      ]);
      const gone = await fetch(`${url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-2', prompt: 'a red circle' }),
      });
      expect(gone.status).toBe(404);
    } finally {
      await stop(child);
    }
  });

  it('exits with code 2 naming the problem for a list that does not check', async () => {
    const cases: [string[], string][] = [
      [['--model-list', 'anthropic=claude'], 'unknown provider "anthropic"'],
      [['--model-list', 'gemini'], 'expected PROVIDER=ID[,ID...]'],
      [['--shutdown-date', 'gpt-image-1=2027-01-01'], 'no provider lists gpt-image-1'],
      [['--shutdown-date', 'gpt-image-2=next-year'], 'expected a date as YYYY-MM-DD'],
      [['--models', '/nonexistent/models.yaml'], '/nonexistent/models.yaml: ENOENT'],
    ];
    const results = await Promise.all(cases.map(([args]) => refused(args)));
    for (const [index, [args, message]] of cases.entries()) {
      expect(results[index].code, args.join(' ')).toBe(2);
      expect(results[index].stderr, args.join(' ')).toContain(message);
    }
  });
});
