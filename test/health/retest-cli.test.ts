import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-retest-cli-'));

function imagegate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imagegate.js', ...args], {
      env: { ...process.env, IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_CONFIG: '', IMAGEGATE_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('imagegate retest and report commands', () => {
  it('retest --json passes local-image-edit on the Gemini, OpenAI Responses and Gemini Interactions doors of the offline default and exits 0', async () => {
    const { code, stdout } = await imagegate(['retest', '--json']);
    const body = JSON.parse(stdout);
    const gemini = body.results.find(
      (result: { model: string; door: string }) =>
        result.model === 'local-image-edit' && result.door === 'gemini',
    );
    expect(gemini.outcome).toBe('pass');
    expect(gemini.metrics.blueBorderShare).toBeGreaterThan(0.7);
    const responses = body.results.find(
      (result: { model: string; door: string }) =>
        result.model === 'local-image-edit' && result.door === 'openai-responses',
    );
    expect(responses.outcome).toBe('pass');
    const interactions = body.results.find(
      (result: { model: string; door: string }) =>
        result.model === 'local-image-edit' && result.door === 'gemini-interactions',
    );
    expect(interactions.outcome).toBe('pass');
    expect(stdout).not.toMatch(/ig_[A-Za-z0-9_-]{20,}/);
    expect(code).toBe(0);
  });

  it('report prints the date, each model verdict and the recommendation', async () => {
    const { code, stdout } = await imagegate(['report']);
    expect(code).toBe(0);
    expect(stdout).toContain(`As of ${new Date().toISOString().slice(0, 10)}, the latest retest showed`);
    expect(stdout).toMatch(/## local-image-edit: stable/);
    expect(stdout).toMatch(/Recommendation:\*\* use local-image-edit/);
  });

  it('retest exits 2 for an unknown model or door', async () => {
    expect((await imagegate(['retest', '--model', 'no-such-model'])).code).toBe(2);
    const unknownDoor = await imagegate(['retest', '--door', 'fax']);
    expect(unknownDoor.code).toBe(2);
    expect(unknownDoor.stderr).toContain(
      'use gemini, openai-images, openai-chat, openai-responses, gemini-interactions',
    );
  });
});
