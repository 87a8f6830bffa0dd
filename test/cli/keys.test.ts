import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findClientKeyByValue, openDatabase } from '../../src/store/index.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-keys-cli-'));
const env = { ...process.env, IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_CONFIG: '' };

function imagegate(...args: string[]) {
  return run(process.execPath, ['bin/imagegate.js', ...args], { env });
}

async function lookup(value: string) {
  const database = await openDatabase(undefined, dataDir);
  try {
    return await findClientKeyByValue(database.db, value);
  } finally {
    await database.close();
  }
}

describe('imagegate keys', () => {
  it('creates a key, prints it once, and stores only its hash', async () => {
    const { stdout } = await imagegate(
      'keys',
      'create',
      '--name',
      'team-a',
      '--models',
      'nano-banana-2,local-image-edit',
      '--spend-limit-usd',
      '2.5',
      '--json',
    );
    const created = JSON.parse(stdout) as {
      key: string;
      name: string;
      spendLimitUsd: number;
      models: string[];
    };
    expect(created.key).toMatch(/^ig_/);
    expect(created).toMatchObject({
      name: 'team-a',
      spendLimitUsd: 2.5,
      models: ['gemini-3.1-flash-image-preview', 'local-image-edit'],
    });
    const found = await lookup(created.key);
    expect(found?.usable).toBe(true);
    expect(found?.record.keyHash).not.toContain(created.key);

    const listed = await imagegate('keys', 'list', '--json');
    expect(listed.stdout).toContain('team-a');
    expect(listed.stdout).not.toContain(created.key);

    await imagegate('keys', 'revoke', 'team-a');
    expect(await lookup(created.key)).toMatchObject({ usable: false, reason: 'revoked' });
  });

  it('exits 2 naming close ids for an unknown model', async () => {
    const failure = await imagegate('keys', 'create', '--name', 'typo', '--models', 'nano-banan').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('nano-banana');
  });

  it('exits 2 with a message when the name is taken', async () => {
    await imagegate('keys', 'create', '--name', 'twice');
    const failure = await imagegate('keys', 'create', '--name', 'twice').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('already exists');
  });
});
