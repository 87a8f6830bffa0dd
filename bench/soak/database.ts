// Where the gateway under soak keeps its data: SQLite in its data dir by default, or a throwaway
// schema on a PostgreSQL server (`--postgres URL`), dropped after the run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface SoakDatabase {
  /** IMAGEGATE_DATABASE_URL for the gateway and for reading afterwards; undefined for SQLite. */
  url: string | undefined;
  dispose(): Promise<void>;
}

async function withClient(serverUrl: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export async function prepareDatabase(postgresServerUrl: string | undefined): Promise<SoakDatabase> {
  if (postgresServerUrl === undefined) return { url: undefined, dispose: async () => {} };
  const schema = `soak_${randomBytes(6).toString('hex')}`;
  await withClient(postgresServerUrl, (client) => client.query(`create schema ${schema}`));
  const separator = postgresServerUrl.includes('?') ? '&' : '?';
  return {
    url: `${postgresServerUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    dispose: () => withClient(postgresServerUrl, (client) => client.query(`drop schema ${schema} cascade`)),
  };
}
