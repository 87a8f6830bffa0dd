import { expect, it } from 'vitest';
import { GatewayError } from '../../src/canonical/errors.js';
import { ConversationStore, expiryAfter, type StoredTurn } from '../../src/store/conversations.js';
import { describeEachBackend } from './backends.js';

const hour = 3_600_000;

/** A turn of key `key-a` on the Responses door, made at t=1000 and kept for an hour. */
function turn(id: string, previousId: string | null, fields: Partial<StoredTurn> = {}): StoredTurn {
  return {
    id,
    door: 'openai-responses',
    keyId: 'key-a',
    previousId,
    model: 'gpt-image-2',
    createdAt: 1000,
    expiresAt: 1000 + hour,
    input: JSON.stringify([{ role: 'user', parts: [{ text: `input of ${id}` }] }]),
    body: JSON.stringify({ id, object: 'response' }),
    ...fields,
  };
}

/** Saves a chain of turns, each continuing the one before: ids[0] is the oldest. */
async function saveChain(store: ConversationStore, ids: string[]): Promise<void> {
  let previous: string | null = null;
  for (const id of ids) {
    await store.save(turn(id, previous));
    previous = id;
  }
}

const ids = (turns: StoredTurn[] | undefined) => turns?.map((stored) => stored.id);

describeEachBackend('conversation store', (current) => {
  const store = () => new ConversationStore(current().db);

  it('reads back a saved turn exactly as it was saved', async () => {
    const saved = turn('resp_1', null, { createdAt: 1_780_000_000_123, expiresAt: 1_782_592_000_123 });
    await store().save(saved);
    expect(await store().get('openai-responses', 'resp_1', 'key-a', 1_780_000_000_200)).toEqual(saved);
  });

  it('refuses a second turn with the same id on the same door and keeps the first', async () => {
    await store().save(turn('resp_1', null));
    const again = store().save(turn('resp_1', null, { body: '{"replaced":true}' }));
    await expect(again).rejects.toBeInstanceOf(GatewayError);
    await expect(again).rejects.toMatchObject({ errorClass: 'internal', httpStatus: 500 });
    const kept = await store().get('openai-responses', 'resp_1', 'key-a', 2000);
    expect(kept?.body).toBe(turn('resp_1', null).body);
  });

  it('keeps the same id on two doors apart', async () => {
    await store().save(turn('shared', null, { body: '"responses"' }));
    await store().save(turn('shared', null, { door: 'gemini-interactions', body: '"interactions"' }));
    expect((await store().get('openai-responses', 'shared', 'key-a', 2000))?.body).toBe('"responses"');
    expect((await store().get('gemini-interactions', 'shared', 'key-a', 2000))?.body).toBe('"interactions"');
  });

  it('gives another key nothing for a turn it did not make', async () => {
    await store().save(turn('resp_1', null));
    expect(await store().get('openai-responses', 'resp_1', 'key-b', 2000)).toBeUndefined();
    expect(await store().get('openai-responses', 'resp_absent', 'key-a', 2000)).toBeUndefined();
  });

  it('stops reading a turn at the instant it expires', async () => {
    await store().save(turn('resp_1', null, { expiresAt: 5000 }));
    expect(await store().get('openai-responses', 'resp_1', 'key-a', 4999)).toBeDefined();
    expect(await store().get('openai-responses', 'resp_1', 'key-a', 5000)).toBeUndefined();
  });

  it('deletes a turn only for the key that made it', async () => {
    await store().save(turn('resp_1', null));
    expect(await store().delete('openai-responses', 'resp_1', 'key-b')).toBe(false);
    expect(await store().get('openai-responses', 'resp_1', 'key-a', 2000)).toBeDefined();
    expect(await store().delete('openai-responses', 'resp_1', 'key-a')).toBe(true);
    expect(await store().get('openai-responses', 'resp_1', 'key-a', 2000)).toBeUndefined();
    expect(await store().delete('openai-responses', 'resp_1', 'key-a')).toBe(false);
  });

  it('gives the chain oldest first, ending at the turn asked for', async () => {
    await saveChain(store(), ['resp_1', 'resp_2', 'resp_3', 'resp_4']);
    expect(ids(await store().chain('openai-responses', 'resp_4', 'key-a', 2000, 50))).toEqual([
      'resp_1',
      'resp_2',
      'resp_3',
      'resp_4',
    ]);
    const middle = await store().chain('openai-responses', 'resp_2', 'key-a', 2000, 50);
    expect(middle).toEqual([turn('resp_1', null), turn('resp_2', 'resp_1')]);
  });

  it('gives no chain when the turn asked for is absent, expired or another key’s', async () => {
    await saveChain(store(), ['resp_1', 'resp_2']);
    await store().save(turn('resp_old', null, { expiresAt: 1500 }));
    expect(await store().chain('openai-responses', 'resp_absent', 'key-a', 2000, 50)).toBeUndefined();
    expect(await store().chain('openai-responses', 'resp_2', 'key-b', 2000, 50)).toBeUndefined();
    expect(await store().chain('openai-responses', 'resp_old', 'key-a', 2000, 50)).toBeUndefined();
  });

  it('ends the chain at a deleted turn and keeps the turns after it', async () => {
    await saveChain(store(), ['resp_1', 'resp_2', 'resp_3', 'resp_4']);
    await store().delete('openai-responses', 'resp_2', 'key-a');
    expect(ids(await store().chain('openai-responses', 'resp_4', 'key-a', 2000, 50))).toEqual([
      'resp_3',
      'resp_4',
    ]);
  });

  it('ends the chain at an expired turn and at a turn of another key', async () => {
    await store().save(turn('resp_1', null));
    await store().save(turn('resp_2', 'resp_1', { expiresAt: 1500 }));
    await store().save(turn('resp_3', 'resp_2'));
    await store().save(turn('resp_4', 'resp_3', { keyId: 'key-b' }));
    await store().save(turn('resp_5', 'resp_4'));
    expect(ids(await store().chain('openai-responses', 'resp_3', 'key-a', 2000, 50))).toEqual(['resp_3']);
    expect(ids(await store().chain('openai-responses', 'resp_3', 'key-a', 1400, 50))).toEqual([
      'resp_1',
      'resp_2',
      'resp_3',
    ]);
    expect(ids(await store().chain('openai-responses', 'resp_5', 'key-a', 2000, 50))).toEqual(['resp_5']);
  });

  it('keeps the newest turns of a chain longer than maxTurns', async () => {
    const chainIds = Array.from({ length: 12 }, (_, index) => `resp_${String(index).padStart(2, '0')}`);
    await saveChain(store(), chainIds);
    expect(ids(await store().chain('openai-responses', 'resp_11', 'key-a', 2000, 5))).toEqual(
      chainIds.slice(7),
    );
    expect(ids(await store().chain('openai-responses', 'resp_11', 'key-a', 2000, 1))).toEqual(['resp_11']);
    expect(ids(await store().chain('openai-responses', 'resp_11', 'key-a', 2000, 12))).toEqual(chainIds);
  });

  it('refuses a maxTurns that is not a positive integer', async () => {
    await store().save(turn('resp_1', null));
    await expect(store().chain('openai-responses', 'resp_1', 'key-a', 2000, 0)).rejects.toThrow(RangeError);
    await expect(store().chain('openai-responses', 'resp_1', 'key-a', 2000, 2.5)).rejects.toThrow(RangeError);
  });

  it('ends a cycle of ids after passing each turn once', async () => {
    // The door never makes a cycle (a turn continues one stored before it); written by hand here.
    await store().save(turn('resp_a', 'resp_b'));
    await store().save(turn('resp_b', 'resp_a'));
    await store().save(turn('resp_c', 'resp_b'));
    expect(ids(await store().chain('openai-responses', 'resp_c', 'key-a', 2000, 50))).toEqual([
      'resp_a',
      'resp_b',
      'resp_c',
    ]);
    await store().save(turn('resp_self', 'resp_self'));
    expect(ids(await store().chain('openai-responses', 'resp_self', 'key-a', 2000, 50))).toEqual([
      'resp_self',
    ]);
  });

  it('purges only the turns expired at the time given', async () => {
    await store().save(turn('resp_past', null, { expiresAt: 1500 }));
    await store().save(turn('resp_edge', null, { expiresAt: 2000 }));
    await store().save(turn('resp_future', null, { expiresAt: 2001 }));
    await store().save(turn('int_past', null, { door: 'gemini-interactions', expiresAt: 10 }));
    expect(await store().purgeExpired(2000)).toBe(3);
    const left = await current().db.selectFrom('conversation_turns').select(['door', 'id']).execute();
    expect(left).toEqual([{ door: 'openai-responses', id: 'resp_future' }]);
    expect(await store().purgeExpired(2000)).toBe(0);
  });

  it('round-trips a body of 5 MB of text unchanged', async () => {
    const large = JSON.stringify({ id: 'resp_big', result: 'é€🙂abc'.repeat((5 * 1024 * 1024) / 10) });
    expect(Buffer.byteLength(large)).toBeGreaterThan(5 * 1024 * 1024);
    await store().save(turn('resp_big', null, { body: large, input: large }));
    const read = await store().get('openai-responses', 'resp_big', 'key-a', 2000);
    expect(read?.body.length).toBe(large.length);
    expect(read?.body === large).toBe(true);
    expect(read?.input === large).toBe(true);
  });

  it('stores many different turns saved at once', async () => {
    const count = 40;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        store().save(turn(`resp_${index}`, null, { keyId: `key-${index % 3}` })),
      ),
    );
    const rows = await current().db.selectFrom('conversation_turns').select(['id', 'key_id']).execute();
    expect(rows).toHaveLength(count);
    expect(await store().get('openai-responses', 'resp_7', 'key-1', 2000)).toMatchObject({ keyId: 'key-1' });
  });

  it('sets the expiry a retention in days after the turn was made', () => {
    expect(expiryAfter(1000, 30)).toBe(1000 + 30 * 24 * hour);
  });
});
