/**
 * The local MetaStore's endpoints: one row per endpoint in `meta_endpoints`, its name unique
 * within the account. Name checks and writes share one transaction of the single writer lane.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Endpoint, EndpointPatch } from '../../endpoints/model.ts';
import { parseStored } from '../meta-records.ts';
import { EndpointRecord, applyEndpointPatch, endpointExists, endpointNameTaken } from '../query-records.ts';
import type { LocalDatabase } from './database.ts';

export const ENDPOINT_TABLE = `CREATE TABLE IF NOT EXISTS meta_endpoints (
  id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, name VARCHAR NOT NULL, query VARCHAR NOT NULL,
  language VARCHAR NOT NULL, source_id VARCHAR, cache_duration_seconds BIGINT NOT NULL,
  created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, UNIQUE (account_id, name))`;

const COLUMNS = 'id, account_id, name, query, language, source_id, cache_duration_seconds, created_at, updated_at';
const VALUES = '$id, $account_id, $name, $query, $language, $source_id, $cache_duration_seconds, $created_at, $updated_at';

async function rows(connection: DuckDBConnection, sql: string, params: Record<string, DuckDBValue>): Promise<unknown[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
}

const readEndpoint = (row: unknown) => parseStored(EndpointRecord, row, 'endpoint');

export class LocalEndpoints {
  constructor(private readonly db: LocalDatabase) {}

  create(endpoint: Endpoint): Promise<void> {
    return this.db.transaction(async (connection) => {
      const clashes = await rows(
        connection,
        'SELECT name FROM meta_endpoints WHERE id = $id OR (account_id = $accountId AND name = $name)',
        { id: endpoint.id, accountId: endpoint.account_id, name: endpoint.name },
      );
      if (clashes.some((row) => (row as { name: string }).name === endpoint.name)) throw endpointNameTaken(endpoint.name);
      if (clashes.length > 0) throw endpointExists(endpoint.id);
      await connection.run(`INSERT INTO meta_endpoints (${COLUMNS}) VALUES (${VALUES})`, { ...endpoint });
    });
  }

  async get(accountId: string, id: string): Promise<Endpoint | null> {
    const [row] = await this.db.read((c) =>
      rows(c, `SELECT ${COLUMNS} FROM meta_endpoints WHERE account_id = $accountId AND id = $id`, { accountId, id }),
    );
    return row === undefined ? null : readEndpoint(row);
  }

  async findByName(accountId: string, name: string): Promise<Endpoint | null> {
    const [row] = await this.db.read((c) =>
      rows(c, `SELECT ${COLUMNS} FROM meta_endpoints WHERE account_id = $accountId AND name = $name`, { accountId, name }),
    );
    return row === undefined ? null : readEndpoint(row);
  }

  async list(accountId: string): Promise<Endpoint[]> {
    const found = await this.db.read((c) =>
      rows(c, `SELECT ${COLUMNS} FROM meta_endpoints WHERE account_id = $accountId ORDER BY name`, { accountId }),
    );
    return found.map(readEndpoint);
  }

  update(accountId: string, id: string, patch: EndpointPatch): Promise<Endpoint | null> {
    return this.db.transaction(async (connection) => {
      const [row] = await rows(
        connection,
        `SELECT ${COLUMNS} FROM meta_endpoints WHERE account_id = $accountId AND id = $id`,
        { accountId, id },
      );
      if (row === undefined) return null;
      const next = applyEndpointPatch(readEndpoint(row), patch);
      const clashes = await rows(
        connection,
        'SELECT 1 FROM meta_endpoints WHERE account_id = $accountId AND name = $name AND id <> $id',
        { accountId, name: next.name, id },
      );
      if (clashes.length > 0) throw endpointNameTaken(next.name);
      await connection.run('DELETE FROM meta_endpoints WHERE id = $id', { id });
      await connection.run(`INSERT INTO meta_endpoints (${COLUMNS}) VALUES (${VALUES})`, { ...next });
      return next;
    });
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const deleted = await this.db.transaction((c) =>
      rows(c, 'DELETE FROM meta_endpoints WHERE account_id = $accountId AND id = $id RETURNING id', { accountId, id }),
    );
    return deleted.length > 0;
  }
}
