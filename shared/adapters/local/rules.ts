/** The local MetaStore's source rules: one row per rule in `meta_rules`. */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { SourceRule } from '../../rules/model.ts';
import { parseStored } from '../meta-records.ts';
import { RuleRecord, ruleExists } from '../query-records.ts';
import type { LocalDatabase } from './database.ts';

export const RULE_TABLE = `CREATE TABLE IF NOT EXISTS meta_rules (
  id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, source_id VARCHAR NOT NULL, sink_id VARCHAR NOT NULL,
  lql_string VARCHAR NOT NULL, created_at VARCHAR NOT NULL)`;

const COLUMNS = 'id, account_id, source_id, sink_id, lql_string, created_at';

async function rows(connection: DuckDBConnection, sql: string, params: Record<string, DuckDBValue>): Promise<unknown[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
}

export class LocalRules {
  constructor(private readonly db: LocalDatabase) {}

  create(rule: SourceRule): Promise<void> {
    return this.db.transaction(async (connection) => {
      if ((await rows(connection, 'SELECT 1 FROM meta_rules WHERE id = $id', { id: rule.id })).length > 0) {
        throw ruleExists(rule.id);
      }
      await connection.run(
        `INSERT INTO meta_rules (${COLUMNS}) VALUES ($id, $account_id, $source_id, $sink_id, $lql_string, $created_at)`,
        { ...rule },
      );
    });
  }

  async list(accountId: string): Promise<SourceRule[]> {
    const found = await this.db.read((c) =>
      rows(c, `SELECT ${COLUMNS} FROM meta_rules WHERE account_id = $accountId ORDER BY created_at, id`, { accountId }),
    );
    return found.map((row) => parseStored(RuleRecord, row, 'rule'));
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const deleted = await this.db.transaction((c) =>
      rows(c, 'DELETE FROM meta_rules WHERE account_id = $accountId AND id = $id RETURNING id', { accountId, id }),
    );
    return deleted.length > 0;
  }
}
