// Runs the hot path's statements without building them again. Kysely builds and compiles a query's
// syntax tree on every call, which costs more than SQLite takes to run a settle's small inserts.
// Each statement shape (say, "request_log rows, 4 of them") is compiled once per dialect from its
// first use, checked to bind its parameters in the order given, then run with new parameters.
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a cache for any schema's queries
type AnyDatabase = Kysely<any>;

const compiledSql = new WeakMap<object, Map<string, string>>();

/** Runs `build()`'s statement with `parameters`, compiling it only on the first call for `shape`. */
export async function runShaped<Row>(
  db: AnyDatabase,
  shape: string,
  parameters: readonly unknown[],
  build: () => Compilable<Row>,
): Promise<Row[]> {
  const adapter = db.getExecutor().adapter;
  let shapes = compiledSql.get(adapter);
  if (!shapes) {
    shapes = new Map();
    compiledSql.set(adapter, shapes);
  }
  let sql = shapes.get(shape);
  if (sql === undefined) {
    const compiled = build().compile();
    const same =
      compiled.parameters.length === parameters.length &&
      compiled.parameters.every((value, index) => value === parameters[index]);
    if (!same) throw new Error(`statement shape "${shape}" binds its parameters in another order`);
    sql = compiled.sql;
    shapes.set(shape, sql);
  }
  const result = await db.executeQuery<Row>(CompiledQuery.raw(sql, [...parameters]));
  return result.rows;
}

// A few fixed row counts per statement keep the shapes few: 21 rows are one 16, one 4 and one 1.
const chunkSizes = [16, 4, 1];

/**
 * Inserts rows by `build` in chunks of a few fixed sizes, each chunk a cached shape. Every row must
 * have the same keys in the same order; undefined values are written as NULL so a chunk's SQL
 * never depends on its values. Returns what the statements return (RETURNING), in order.
 */
export async function insertShaped<Row extends Record<string, unknown>, Out>(
  db: AnyDatabase,
  name: string,
  rows: readonly Row[],
  build: (chunk: Row[]) => Compilable<Out>,
): Promise<Out[]> {
  const out: Out[] = [];
  let start = 0;
  while (start < rows.length) {
    const size = chunkSizes.find((candidate) => rows.length - start >= candidate) ?? 1;
    const chunk = rows.slice(start, start + size).map(withNulls);
    const parameters = chunk.flatMap((row) => Object.values(row));
    out.push(...(await runShaped(db, `${name}:${size}`, parameters, () => build(chunk))));
    start += size;
  }
  return out;
}

function withNulls<Row extends Record<string, unknown>>(row: Row): Row {
  let copy: Record<string, unknown> | undefined;
  for (const key in row) {
    if (row[key] === undefined) {
      copy ??= { ...row };
      copy[key] = null;
    }
  }
  return (copy ?? row) as Row;
}
