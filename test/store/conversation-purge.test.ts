import { afterEach, expect, it } from 'vitest';
import { startConversationPurge } from '../../src/store/conversation-purge.js';
import { ConversationStore, type StoredTurn } from '../../src/store/conversations.js';
import { describeEachBackend } from './backends.js';

function turn(id: string, expiresAt: number): StoredTurn {
  return {
    id,
    door: 'gemini-interactions',
    keyId: 'key-a',
    previousId: null,
    model: 'gemini-3.1-flash-image',
    createdAt: 0,
    expiresAt,
    input: '[]',
    body: '{}',
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describeEachBackend('conversation purge schedule', (current) => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('purges at once on start and again on each interval', async () => {
    const store = new ConversationStore(current().db);
    await store.save(turn('first', 100));
    await store.save(turn('second', 200));
    await store.save(turn('kept', 10_000));
    let clock = 150;
    const outcomes: number[] = [];
    stop = startConversationPurge(store, {
      intervalMs: 20,
      now: () => clock,
      onResult: (removed) => outcomes.push(removed),
    });
    await waitFor(() => outcomes.length >= 1);
    expect(outcomes[0]).toBe(1);
    clock = 250;
    // Ticks before the clock moved found nothing more; the one after it removes the second turn.
    await waitFor(() => outcomes.slice(1).includes(1));
    const left = await current().db.selectFrom('conversation_turns').select('id').execute();
    expect(left).toEqual([{ id: 'kept' }]);
  });

  it('reports a failed purge instead of throwing, and stops purging once stopped', async () => {
    const store = new ConversationStore(current().db);
    await current().db.schema.dropTable('conversation_turns').execute();
    const failures: unknown[] = [];
    const removedCounts: number[] = [];
    stop = startConversationPurge(store, {
      intervalMs: 10,
      onResult: (removed, error) => {
        removedCounts.push(removed);
        failures.push(error);
      },
    });
    await waitFor(() => failures.length >= 2);
    expect(failures.every((failure) => failure instanceof Error)).toBe(true);
    expect(new Set(removedCounts)).toEqual(new Set([0]));
    await stop();
    const afterStop = failures.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures).toHaveLength(afterStop);
  });
});
