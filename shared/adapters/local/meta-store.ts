/**
 * The local twin's MetaStore: accounts, API keys, sources and rejected events in `meta_*`
 * tables of the one DuckDB database. Every write runs in the database's single writer lane,
 * so a read-modify-write inside `db.transaction` cannot interleave with another writer.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { listValue, LIST, VARCHAR } from '@duckdb/node-api';
import type { Account, ApiKey, Source, SourcePatch } from '../../accounts/model.ts';
import type { RejectedEvent, SourceSchema } from '../../events/model.ts';
import type { IdPage, MetaStore } from '../../ports.ts';
import {
  AccountRecord,
  ApiKeyRecord,
  StoredRejected,
  StoredSource,
  accountExists,
  applySourcePatch,
  keyHashTaken,
  nameTaken,
  parseStored,
  sourceExists,
} from '../meta-records.ts';
import type { LocalDatabase } from './database.ts';
import { LocalUsageReports, USAGE_REPORT_TABLE } from './usage-reports.ts';
import { ENDPOINT_TABLE, LocalEndpoints } from './endpoints.ts';
import { LocalRules, RULE_TABLE } from './rules.ts';
import { FIREBASE_USER_TABLE, LocalFirebaseUsers } from './firebase-users.ts';

/** Rejected events kept per source; older ones are dropped as new ones arrive. */
export const REJECTED_KEPT_PER_SOURCE = 1000;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS meta_accounts (
     id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, plan VARCHAR NOT NULL, created_at VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta_api_keys (
     id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, hash VARCHAR NOT NULL UNIQUE,
     scopes VARCHAR[] NOT NULL, source_id VARCHAR, description VARCHAR, created_at VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta_sources (
     id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
     rate_limit_per_second BIGINT, retention_days BIGINT, schema VARCHAR NOT NULL,
     created_at VARCHAR NOT NULL, UNIQUE (account_id, name))`,
  `CREATE SEQUENCE IF NOT EXISTS meta_rejected_seq`,
  `CREATE TABLE IF NOT EXISTS meta_rejected (
     seq BIGINT NOT NULL DEFAULT nextval('meta_rejected_seq'), account_id VARCHAR NOT NULL,
     source_id VARCHAR NOT NULL, reason VARCHAR NOT NULL, event VARCHAR NOT NULL,
     rejected_at VARCHAR NOT NULL)`,
  USAGE_REPORT_TABLE,
  ENDPOINT_TABLE,
  RULE_TABLE,
  FIREBASE_USER_TABLE,
];

const SOURCE_COLUMNS = 'id, account_id, name, rate_limit_per_second, retention_days, schema, created_at';
const KEY_COLUMNS = 'id, account_id, hash, scopes, source_id, description, created_at';

type Params = Record<string, DuckDBValue>;

async function rows(connection: DuckDBConnection, sql: string, params: Params = {}): Promise<unknown[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
}

export class LocalMetaStore implements MetaStore {
  readonly usageReports: LocalUsageReports;
  readonly endpoints: LocalEndpoints;
  readonly rules: LocalRules;
  readonly firebaseUsers: LocalFirebaseUsers;

  private constructor(private readonly db: LocalDatabase) {
    this.usageReports = new LocalUsageReports(db);
    this.endpoints = new LocalEndpoints(db);
    this.rules = new LocalRules(db);
    this.firebaseUsers = new LocalFirebaseUsers(db);
  }

  static async create(db: LocalDatabase): Promise<LocalMetaStore> {
    await db.alterCatalog(async (connection) => {
      for (const statement of TABLES) await connection.run(statement);
    });
    return new LocalMetaStore(db);
  }

  async createAccount(account: Account): Promise<void> {
    await this.db.transaction(async (connection) => {
      const existing = await rows(connection, 'SELECT 1 FROM meta_accounts WHERE id = $id', { id: account.id });
      if (existing.length > 0) throw accountExists(account.id);
      await connection.run(
        'INSERT INTO meta_accounts (id, name, plan, created_at) VALUES ($id, $name, $plan, $created_at)',
        { ...account },
      );
    });
  }

  async getAccount(id: string): Promise<Account | null> {
    const [row] = await this.db.read((c) => rows(c, 'SELECT * FROM meta_accounts WHERE id = $id', { id }));
    return row === undefined ? null : parseStored(AccountRecord, row, 'account');
  }

  async listAccounts(page: IdPage): Promise<Account[]> {
    const found = await this.db.read((c) =>
      rows(c, 'SELECT * FROM meta_accounts WHERE id > $after ORDER BY id LIMIT $limit', {
        after: page.after ?? '',
        limit: page.limit,
      }),
    );
    return found.map((row) => parseStored(AccountRecord, row, 'account'));
  }

  async putApiKey(key: ApiKey): Promise<void> {
    await this.db.transaction(async (connection) => {
      const holders = await rows(connection, 'SELECT id FROM meta_api_keys WHERE hash = $hash AND id <> $id', {
        hash: key.hash,
        id: key.id,
      });
      if (holders.length > 0) throw keyHashTaken();
      await connection.run('DELETE FROM meta_api_keys WHERE id = $id', { id: key.id });
      await connection.run(
        `INSERT INTO meta_api_keys (${KEY_COLUMNS})
         VALUES ($id, $account_id, $hash, $scopes, $source_id, $description, $created_at)`,
        { ...key, scopes: listValue(key.scopes) },
        { scopes: LIST(VARCHAR) },
      );
    });
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | null> {
    const [row] = await this.db.read((c) =>
      rows(c, `SELECT ${KEY_COLUMNS} FROM meta_api_keys WHERE hash = $hash`, { hash }),
    );
    return row === undefined ? null : parseStored(ApiKeyRecord, row, 'API key');
  }

  async listApiKeys(accountId: string): Promise<ApiKey[]> {
    const found = await this.db.read((c) =>
      rows(c, `SELECT ${KEY_COLUMNS} FROM meta_api_keys WHERE account_id = $accountId ORDER BY created_at, id`, {
        accountId,
      }),
    );
    return found.map((row) => parseStored(ApiKeyRecord, row, 'API key'));
  }

  async deleteApiKey(accountId: string, id: string): Promise<boolean> {
    const deleted = await this.db.transaction((c) =>
      rows(c, 'DELETE FROM meta_api_keys WHERE account_id = $accountId AND id = $id RETURNING id', {
        accountId,
        id,
      }),
    );
    return deleted.length > 0;
  }

  async createSource(source: Source): Promise<void> {
    await this.db.transaction(async (connection) => {
      const clashes = await rows(
        connection,
        'SELECT name FROM meta_sources WHERE id = $id OR (account_id = $accountId AND name = $name)',
        { id: source.id, accountId: source.account_id, name: source.name },
      );
      if (clashes.some((row) => (row as { name: string }).name === source.name)) throw nameTaken(source.name);
      if (clashes.length > 0) throw sourceExists(source.id);
      await connection.run(
        `INSERT INTO meta_sources (${SOURCE_COLUMNS})
         VALUES ($id, $account_id, $name, $rate_limit_per_second, $retention_days, $schema, $created_at)`,
        { ...source, schema: JSON.stringify(source.schema) },
      );
    });
  }

  async getSource(accountId: string, id: string): Promise<Source | null> {
    return this.db.read((c) => this.readSource(c, accountId, id));
  }

  async findSourceByName(accountId: string, name: string): Promise<Source | null> {
    const [row] = await this.db.read((c) =>
      rows(c, `SELECT ${SOURCE_COLUMNS} FROM meta_sources WHERE account_id = $accountId AND name = $name`, {
        accountId,
        name,
      }),
    );
    return row === undefined ? null : parseStored(StoredSource, row, 'source');
  }

  async listSources(accountId: string): Promise<Source[]> {
    const found = await this.db.read((c) =>
      rows(c, `SELECT ${SOURCE_COLUMNS} FROM meta_sources WHERE account_id = $accountId ORDER BY name`, {
        accountId,
      }),
    );
    return found.map((row) => parseStored(StoredSource, row, 'source'));
  }

  async updateSource(accountId: string, id: string, patch: SourcePatch): Promise<Source | null> {
    return this.db.transaction(async (connection) => {
      const current = await this.readSource(connection, accountId, id);
      if (current === null) return null;
      const next = applySourcePatch(current, patch);
      if (next.name !== current.name) {
        const clashes = await rows(
          connection,
          'SELECT 1 FROM meta_sources WHERE account_id = $accountId AND name = $name AND id <> $id',
          { accountId, name: next.name, id },
        );
        if (clashes.length > 0) throw nameTaken(next.name);
      }
      await connection.run(
        `UPDATE meta_sources SET name = $name, rate_limit_per_second = $rate, retention_days = $retention
         WHERE id = $id`,
        { id, name: next.name, rate: next.rate_limit_per_second, retention: next.retention_days },
      );
      return next;
    });
  }

  async deleteSource(accountId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (connection) => {
      const deleted = await rows(
        connection,
        'DELETE FROM meta_sources WHERE account_id = $accountId AND id = $id RETURNING id',
        { accountId, id },
      );
      if (deleted.length === 0) return false;
      await connection.run('DELETE FROM meta_rejected WHERE account_id = $accountId AND source_id = $id', {
        accountId,
        id,
      });
      return true;
    });
  }

  async updateSourceSchema(
    accountId: string,
    sourceId: string,
    update: (current: SourceSchema) => SourceSchema,
  ): Promise<SourceSchema | null> {
    return this.db.transaction(async (connection) => {
      const current = await this.readSource(connection, accountId, sourceId);
      if (current === null) return null;
      const next = update(current.schema);
      await connection.run('UPDATE meta_sources SET schema = $schema WHERE id = $id', {
        id: sourceId,
        schema: JSON.stringify(next),
      });
      return next;
    });
  }

  async addRejected(accountId: string, events: RejectedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction(async (connection) => {
      const insert = await connection.prepare(
        `INSERT INTO meta_rejected (account_id, source_id, reason, event, rejected_at)
         VALUES ($accountId, $source_id, $reason, $event, $rejected_at)`,
      );
      for (const event of events) {
        insert.bind({ ...event, accountId, event: JSON.stringify(event.event) });
        await insert.run();
      }
      for (const sourceId of new Set(events.map((event) => event.source_id))) {
        await connection.run(
          `DELETE FROM meta_rejected WHERE account_id = $accountId AND source_id = $sourceId AND seq NOT IN (
             SELECT seq FROM meta_rejected WHERE account_id = $accountId AND source_id = $sourceId
             ORDER BY rejected_at DESC, seq DESC LIMIT ${REJECTED_KEPT_PER_SOURCE})`,
          { accountId, sourceId },
        );
      }
    });
  }

  async listRejected(accountId: string, sourceId: string, limit: number): Promise<RejectedEvent[]> {
    if (limit <= 0) return [];
    const found = await this.db.read((c) =>
      rows(
        c,
        `SELECT source_id, reason, event, rejected_at FROM meta_rejected
         WHERE account_id = $accountId AND source_id = $sourceId
         ORDER BY rejected_at DESC, seq DESC LIMIT $limit`,
        { accountId, sourceId, limit },
      ),
    );
    return found.map((row) => parseStored(StoredRejected, row, 'rejected event'));
  }

  /** The database belongs to the composition root, which closes it after every store. */
  async close(): Promise<void> {}

  private async readSource(connection: DuckDBConnection, accountId: string, id: string): Promise<Source | null> {
    const [row] = await rows(
      connection,
      `SELECT ${SOURCE_COLUMNS} FROM meta_sources WHERE account_id = $accountId AND id = $id`,
      { accountId, id },
    );
    return row === undefined ? null : parseStored(StoredSource, row, 'source');
  }
}
