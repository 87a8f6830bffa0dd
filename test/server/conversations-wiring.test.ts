// The assembled gateway keeps one conversation store on its database and purges expired turns
// from the start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/security/logger.js';
import { createGateway } from '../../src/server/assemble.js';
import { ConversationStore, migrateToLatest, openDatabase, type StoredTurn } from '../../src/store/index.js';

function turn(id: string, expiresAt: number): StoredTurn {
  return {
    id,
    door: 'openai-responses',
    keyId: 'key-a',
    previousId: null,
    model: 'gpt-image-2',
    createdAt: 1,
    expiresAt,
    input: '[]',
    body: '{}',
  };
}

it('exposes the conversation store and its policy, and purges expired turns at start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-conversations-'));
  try {
    const configPath = join(dataDir, 'imagegate.yaml');
    writeFileSync(
      configPath,
      'retest: { enabled: false }\nconversations: { retentionDays: 7, maxTurns: 9 }\n',
    );
    const config = loadConfig({ env: { IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_CONFIG: configPath } });
    const database = await openDatabase(undefined, dataDir);
    await migrateToLatest(database.db);
    const before = new ConversationStore(database.db);
    await before.save(turn('resp_expired', 2));
    await before.save(turn('resp_live', Date.now() + 60_000));

    const running = await createGateway(config, { database, logger: createLogger('silent') });
    const { gateway } = running;
    expect(gateway.conversationPolicy).toEqual({ retentionDays: 7, maxTurns: 9 });
    const deadline = Date.now() + 5000;
    let left = await database.db.selectFrom('conversation_turns').select('id').execute();
    while (left.length > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      left = await database.db.selectFrom('conversation_turns').select('id').execute();
    }
    expect(left).toEqual([{ id: 'resp_live' }]);
    expect(
      await gateway.conversations.get('openai-responses', 'resp_live', 'key-a', Date.now()),
    ).toMatchObject({
      id: 'resp_live',
    });
    await running.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
