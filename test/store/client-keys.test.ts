import { expect, it } from 'vitest';
import {
  addClientKeySpend,
  createClientKey,
  findClientKeyByValue,
  getClientKey,
  hashClientKey,
  listClientKeys,
  revokeClientKey,
  updateClientKey,
} from '../../src/store/index.js';
import { describeEachBackend } from './backends.js';

describeEachBackend('client keys', (current) => {
  it('stores only the hash and the display prefix, never the key itself', async () => {
    const { db } = current();
    const { key, record } = await createClientKey(db, { name: 'team-a', models: ['nano-banana-2'] });
    expect(key).toMatch(/^ig_[A-Za-z0-9_-]{43}$/);
    expect(record.keyHash).toBe(hashClientKey(key));
    expect(record.keyPrefix).toBe(key.slice(0, 8));
    const rows = await db.selectFrom('client_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(3));
  });

  it('finds a key by its value and keeps its settings', async () => {
    const { db } = current();
    const expiresAt = Date.now() + 86_400_000;
    const { key, record } = await createClientKey(db, {
      name: 'team-b',
      models: ['gemini-nano-banana-2.1', 'gpt-image-2'],
      spendLimitMicros: 5_000_000_000_000,
      controlled: true,
      requestsPerMinute: 60,
      imagesPerMinute: 20,
      concurrencyLimit: 4,
      expiresAt,
    });
    const lookup = await findClientKeyByValue(db, key);
    expect(lookup).toEqual({ record, usable: true });
    expect(record).toMatchObject({
      name: 'team-b',
      models: ['gemini-nano-banana-2.1', 'gpt-image-2'],
      spendLimitMicros: 5_000_000_000_000,
      spentMicros: 0,
      controlled: true,
      requestsPerMinute: 60,
      imagesPerMinute: 20,
      concurrencyLimit: 4,
      expiresAt,
      revokedAt: null,
    });
  });

  it('gives a key without a model list access to every model', async () => {
    const { record } = await createClientKey(current().db, { name: 'all-models' });
    expect(record.models).toBeNull();
    expect(record.controlled).toBe(false);
    expect(record.spendLimitMicros).toBeNull();
  });

  it('answers undefined for a key that does not exist', async () => {
    await createClientKey(current().db, { name: 'someone' });
    expect(await findClientKeyByValue(current().db, 'ig_not-a-real-key')).toBeUndefined();
  });

  it('refuses a revoked key and says why', async () => {
    const { db } = current();
    const { key } = await createClientKey(db, { name: 'to-revoke' });
    const revoked = await revokeClientKey(db, 'to-revoke', 1_000);
    expect(revoked?.revokedAt).toBe(1_000);
    const lookup = await findClientKeyByValue(db, key);
    expect(lookup).toMatchObject({ usable: false, reason: 'revoked' });
    const again = await revokeClientKey(db, revoked?.id ?? '', 2_000);
    expect(again?.revokedAt).toBe(1_000);
    expect(await revokeClientKey(db, 'no-such-key')).toBeUndefined();
  });

  it('refuses an expired key and says why', async () => {
    const { db } = current();
    const { key } = await createClientKey(db, { name: 'short-lived', expiresAt: 10_000 });
    expect(await findClientKeyByValue(db, key, 9_999)).toMatchObject({ usable: true });
    expect(await findClientKeyByValue(db, key, 10_000)).toMatchObject({ usable: false, reason: 'expired' });
  });

  it('creates the bootstrap key once and returns the same record on every start', async () => {
    const { db } = current();
    const value = 'ig_bootstrap-value-for-tests';
    const first = await createClientKey(db, { name: 'bootstrap', value });
    const second = await createClientKey(db, { name: 'bootstrap', value });
    expect(first.key).toBe(value);
    expect(second.record).toEqual(first.record);
    expect(await listClientKeys(db)).toHaveLength(1);
    expect((await findClientKeyByValue(db, value))?.usable).toBe(true);
  });

  it('survives six replicas creating the bootstrap key at the same time', async () => {
    const { db } = current();
    const value = 'ig_concurrent-bootstrap';
    const created = await Promise.all(
      Array.from({ length: 6 }, () => createClientKey(db, { name: 'bootstrap', value })),
    );
    expect(new Set(created.map((result) => result.record.id)).size).toBe(1);
    expect(await listClientKeys(db)).toHaveLength(1);
  });

  it('rejects a second key with a name already in use', async () => {
    const { db } = current();
    await createClientKey(db, { name: 'taken' });
    await expect(createClientKey(db, { name: 'taken' })).rejects.toThrow(/already exists/);
  });

  it('lists keys, optionally without the revoked ones', async () => {
    const { db } = current();
    await createClientKey(db, { name: 'one' });
    await createClientKey(db, { name: 'two' });
    await revokeClientKey(db, 'one');
    expect((await listClientKeys(db)).map((record) => record.name).sort()).toEqual(['one', 'two']);
    expect((await listClientKeys(db, { includeRevoked: false })).map((record) => record.name)).toEqual([
      'two',
    ]);
  });

  it('updates only the fields it is given', async () => {
    const { db } = current();
    const { record } = await createClientKey(db, { name: 'editable', models: ['a'], requestsPerMinute: 5 });
    const updated = await updateClientKey(db, record.id, {
      models: null,
      imagesPerMinute: 3,
      name: 'edited',
    });
    expect(updated).toMatchObject({ name: 'edited', models: null, requestsPerMinute: 5, imagesPerMinute: 3 });
    expect(await getClientKey(db, 'edited')).toEqual(updated);
    expect(await updateClientKey(db, 'missing', { controlled: true })).toBeUndefined();
  });

  it('adds spend atomically and keeps amounts above 2^31 exact', async () => {
    const { db } = current();
    const { record } = await createClientKey(db, { name: 'spender', spendLimitMicros: 2 ** 45 });
    await Promise.all([addClientKeySpend(db, record.id, 3_000_000_000), addClientKeySpend(db, record.id, 1)]);
    const after = await getClientKey(db, record.id);
    expect(after?.spentMicros).toBe(3_000_000_001);
    expect(after?.spendLimitMicros).toBe(2 ** 45);
  });
});
