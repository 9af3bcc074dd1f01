/**
 * How the BigQuery store runs a user's sandboxed SQL: one jobs.query call with the parameters
 * bound as STRING values, `maximumBytesBilled` as the scan cap, a timeout, and `maxResults` one
 * past the row cap (the first page is all we read). BigQuery's own 400s (an unknown column, the
 * bytes cap) become KindlingError 400s whose message names sources, not tables; anything else is
 * the caller's to classify.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { KindlingError } from '../../errors.ts';
import type { SqlLimits, SqlQuery, SqlResult } from '../../ports.ts';
import { eventTableName } from '../names.ts';
import type { RestRow } from './bigquery-listing.ts';
import { queryRow } from './bigquery-query-rows.ts';
import type { TableField } from './bigquery-schema.ts';

export interface BigQueryPlace {
  projectId: string;
  dataset: string;
  location?: string;
}

interface QueryResponse {
  schema?: { fields?: TableField[] };
  totalRows?: string;
  totalBytesProcessed?: string;
}

export async function runBigQuerySql(client: BigQuery, place: BigQueryPlace, query: SqlQuery, limits: SqlLimits): Promise<SqlResult> {
  const names = query.params;
  const bound = Object.keys(names).length > 0
    ? { params: names, types: Object.fromEntries(Object.keys(names).map((name) => [name, 'STRING'])) }
    : {};
  let answer: [RestRow[], unknown, QueryResponse | undefined];
  try {
    // The client resolves (rows, next page query, API response); its typings list only two.
    answer = (await client.query(
      {
        query: query.sql,
        ...bound,
        location: place.location,
        maximumBytesBilled: String(limits.maxBytes),
        maxResults: limits.maxRows + 1,
        skipParsing: true,
      },
      { autoPaginate: false, timeoutMs: limits.timeoutMs },
    )) as unknown as [RestRow[], unknown, QueryResponse | undefined];
  } catch (error) {
    throw queryProblem(error, place, query, limits) ?? error;
  }
  const [rows, , response] = answer;
  if (Number(response?.totalRows ?? rows.length) > limits.maxRows) {
    throw new KindlingError(400, 'result_too_large', `The result has more than ${limits.maxRows} rows; add a LIMIT.`);
  }
  const fields = response?.schema?.fields ?? [];
  return {
    rows: rows.map((row) => queryRow(fields, row)),
    bytesScanned: Number(response?.totalBytesProcessed ?? 0),
  };
}

/** A 400 for what BigQuery refused about the query itself; null for anything else. */
function queryProblem(error: unknown, place: BigQueryPlace, query: SqlQuery, limits: SqlLimits): KindlingError | null {
  const { code, errors, message } = error as { code?: unknown; errors?: { reason?: string }[]; message?: string };
  const timedOut = typeof message === 'string' && /did not complete before/.test(message);
  if (timedOut) return new KindlingError(400, 'query_failed', `The query ran longer than ${limits.timeoutMs} ms and was stopped.`);
  if (code !== 400) return null;
  if ((errors ?? []).some((e) => e.reason === 'bytesBilledLimitExceeded')) {
    return new KindlingError(400, 'query_too_large', `The query would scan more than the limit of ${limits.maxBytes} bytes.`);
  }
  let text = String(message ?? 'BigQuery refused the query.').replace(/ at \[\d+:\d+\]/g, '');
  for (const { ref, name } of query.sources) {
    const table = eventTableName(ref.sourceId);
    for (const qualified of [`${place.projectId}.${place.dataset}.${table}`, `${place.projectId}:${place.dataset}.${table}`, table]) {
      text = text.replaceAll(qualified, name);
    }
  }
  return new KindlingError(400, 'query_failed', text);
}
