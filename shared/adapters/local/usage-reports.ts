/**
 * The local MetaStore's usage reports: one row per (account, period) in `meta_usage_reports`.
 * A final row is never replaced; the check and the write share one transaction of the single
 * writer lane, so two report runs cannot both replace it.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { UsageReport } from '../../billing/model.ts';
import type { PeriodRange } from '../../ports.ts';
import { UsageReportRecord, parseStored } from '../meta-records.ts';
import type { LocalDatabase } from './database.ts';

export const USAGE_REPORT_TABLE = `CREATE TABLE IF NOT EXISTS meta_usage_reports (
  account_id VARCHAR NOT NULL, period VARCHAR NOT NULL, plan VARCHAR NOT NULL,
  events BIGINT NOT NULL, bytes BIGINT NOT NULL, query_bytes BIGINT NOT NULL, amount DOUBLE NOT NULL,
  final BOOLEAN NOT NULL, computed_at VARCHAR NOT NULL, delivered_at VARCHAR,
  PRIMARY KEY (account_id, period))`;

const COLUMNS = 'account_id, period, plan, events, bytes, query_bytes, amount, final, computed_at, delivered_at';

async function rows(connection: DuckDBConnection, sql: string, params: Record<string, DuckDBValue>): Promise<unknown[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
}

const readReport = (row: unknown) => parseStored(UsageReportRecord, row, 'usage report');

export class LocalUsageReports {
  constructor(private readonly db: LocalDatabase) {}

  put(report: UsageReport): Promise<UsageReport> {
    return this.db.transaction(async (connection) => {
      const [existing] = await rows(
        connection,
        `SELECT ${COLUMNS} FROM meta_usage_reports WHERE account_id = $account_id AND period = $period`,
        { account_id: report.account_id, period: report.period },
      );
      if (existing !== undefined) {
        const stored = readReport(existing);
        if (stored.final) return stored;
      }
      await connection.run(
        `INSERT OR REPLACE INTO meta_usage_reports (${COLUMNS})
         VALUES ($account_id, $period, $plan, $events, $bytes, $query_bytes, $amount, $final, $computed_at, $delivered_at)`,
        { ...report },
      );
      return report;
    });
  }

  async list(accountId: string, range: PeriodRange = {}): Promise<UsageReport[]> {
    const found = await this.db.read((connection) =>
      rows(
        connection,
        `SELECT ${COLUMNS} FROM meta_usage_reports
         WHERE account_id = $accountId AND period >= $from AND period <= $to ORDER BY period`,
        { accountId, from: range.from ?? '', to: range.to ?? '\uffff' },
      ),
    );
    return found.map(readReport);
  }

  async markDelivered(accountId: string, period: string, deliveredAt: string): Promise<boolean> {
    const updated = await this.db.transaction((connection) =>
      rows(
        connection,
        `UPDATE meta_usage_reports SET delivered_at = $deliveredAt
         WHERE account_id = $accountId AND period = $period RETURNING period`,
        { accountId, period, deliveredAt },
      ),
    );
    return updated.length > 0;
  }
}
