import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertShaped, runShaped } from '../../src/store/shaped-statements.js';

interface Schema {
  items: { id: string; amount: number; note: string | null };
}

let db: Kysely<Schema>;

beforeAll(async () => {
  db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('note', 'text')
    .execute();
});
afterAll(() => db.destroy());

const insertItems = (rows: Array<Schema['items']>) =>
  insertShaped(db, 'items', rows, (chunk) =>
    db
      .insertInto('items')
      .values(chunk)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id'),
  );

describe('shaped statements', () => {
  it('inserts any number of rows in fixed-size chunks and returns what each returned, in order', async () => {
    const rows = Array.from({ length: 21 }, (_, index) => ({
      id: `a${String(index).padStart(2, '0')}`,
      amount: index,
      note: index % 2 === 0 ? null : `odd ${index}`,
    }));
    expect((await insertItems(rows)).map((row) => row.id)).toEqual(rows.map((row) => row.id));
    // A second batch of other sizes reuses the compiled shapes with new values.
    const more = rows.slice(0, 5).map((row) => ({ ...row, id: `b${row.id}`, amount: row.amount * 10 }));
    await insertItems(more);
    const stored = await db.selectFrom('items').selectAll().orderBy('id').execute();
    expect(stored).toEqual([...rows, ...more].sort((left, right) => left.id.localeCompare(right.id)));
  });

  it('writes an undefined value as NULL, so the statement does not change shape', async () => {
    await insertItems([{ id: 'u1', amount: 1, note: undefined as unknown as null }]);
    const row = await db.selectFrom('items').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow();
    expect(row.note).toBeNull();
  });

  it('runs a cached update with new parameters each time', async () => {
    const addTo = (id: string, amount: number) =>
      runShaped(db, 'items:add', [amount, id], () =>
        db
          .updateTable('items')
          .set((expression) => ({ amount: expression('amount', '+', amount) }))
          .where('id', '=', id),
      );
    await addTo('a01', 5);
    await addTo('a02', 7);
    const rows = await db
      .selectFrom('items')
      .select(['id', 'amount'])
      .where('id', 'in', ['a01', 'a02'])
      .execute();
    expect(rows.sort((left, right) => left.id.localeCompare(right.id))).toEqual([
      { id: 'a01', amount: 6 },
      { id: 'a02', amount: 9 },
    ]);
  });

  it('refuses a shape whose parameters would bind in another order than given', async () => {
    await expect(
      runShaped(db, 'items:swapped', ['a01', 3], () =>
        db.updateTable('items').set({ amount: 3 }).where('id', '=', 'a01'),
      ),
    ).rejects.toThrow(/another order/);
  });
});
