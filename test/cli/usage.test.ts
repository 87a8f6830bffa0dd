import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/billing/ledger.js';
import { createClientKey, migrateToLatest, openDatabase } from '../../src/store/index.js';

function usage(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['bin/imagegate.js', 'usage', ...args], {
    env: { ...process.env, IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_CONFIG: '' },
    encoding: 'utf8',
  });
}

describe('imagegate usage', () => {
  it('prints charges per key and model as CSV and JSON, read from the database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-usage-'));
    const database = await openDatabase(undefined, dataDir);
    await migrateToLatest(database.db);
    const { record } = await createClientKey(database.db, { name: 'team-a' });
    const ledger = new Ledger(database.db);
    await ledger.hold({
      requestId: 'r1',
      keyId: record.id,
      amountMicros: 50_000,
      door: 'gemini',
      model: 'gemini-3.1-flash-lite-image',
      stream: false,
    });
    await ledger.settle({
      requestId: 'r1',
      keyId: record.id,
      holdMicros: 50_000,
      chargedMicros: 33_600,
      channel: 'google',
      evidence: [],
      logEntry: {
        id: 'r1',
        createdAt: Date.now(),
        keyId: record.id,
        door: 'gemini',
        model: 'gemini-3.1-flash-lite-image',
        channel: 'google',
        status: 200,
        errorClass: null,
        latencyMs: 5,
        attempts: 1,
        imagesOut: 1,
        chargedMicros: 33_600,
        stream: false,
      },
    });
    await database.close();

    const csv = usage(dataDir, '--csv', '--key', 'team-a');
    expect(csv.status).toBe(0);
    const [header, row] = csv.stdout.trim().split('\r\n');
    expect(header).toMatch(/^keyName,keyId,model,requests/);
    expect(row).toContain('team-a');
    expect(row).toContain(',33600,0.033600');
    const json = JSON.parse(usage(dataDir, '--json', '--since', '1h').stdout);
    expect(json[0]).toMatchObject({ keyName: 'team-a', chargedMicros: 33_600, imagesOut: 1 });
  });

  it('exits 2 on an unreadable --since', () => {
    const result = usage(mkdtempSync(join(tmpdir(), 'imagegate-usage-')), '--since', 'last tuesday');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--since/);
  });
});
