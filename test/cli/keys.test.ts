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
      models: ['gemini-3.1-flash-image', 'local-image-edit'],
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

  const badFlags: [string, string, RegExp][] = [
    ['--spend-limit-usd', '1e20', /--spend-limit-usd must be a number of USD from 0 to 1000000000/],
    ['--spend-limit-usd', '0.0000001', /at most 6 decimals/],
    ['--spend-limit-usd', 'NaN', /--spend-limit-usd must be/],
    ['--spend-limit-usd', '', /--spend-limit-usd must be/],
    ['--requests-per-minute', '0.5', /--requests-per-minute must be a whole number from 1 to 1000000/],
    ['--images-per-minute', '3000000000', /--images-per-minute must be a whole number/],
    ['--concurrency', '0', /--concurrency must be a whole number/],
    ['--expires', 'next tuesday', /--expires must be an ISO 8601 date/],
  ];
  for (const [flag, value, message] of badFlags) {
    it(`exits 2 naming the allowed range for ${flag} "${value}", and creates no key`, async () => {
      const name = `bad${flag}-${badFlags.findIndex((entry) => entry[1] === value)}`;
      const failure = await imagegate('keys', 'create', '--name', name, flag, value).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure).toMatchObject({ code: 2 });
      expect((failure as { stderr: string }).stderr).toMatch(message);
      const listed = await imagegate('keys', 'list', '--json');
      expect(listed.stdout).not.toContain(name);
    });
  }

  it('stores a spend limit given in USD as exact micro-USD', async () => {
    const { stdout } = await imagegate(
      'keys',
      'create',
      '--name',
      'exact',
      '--spend-limit-usd',
      '0.29',
      '--json',
    );
    expect(JSON.parse(stdout).spendLimitUsd).toBe(0.29);
    const found = await lookup(JSON.parse(stdout).key);
    expect(found?.record.spendLimitMicros).toBe(290_000);
  });
});
