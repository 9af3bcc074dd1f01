/**
 * An in-test fake of the BigQuery v2 REST API, limited to what the event store calls: tables
 * insert/get/patch/delete, tabledata.insertAll and jobs.query. Each request is checked against
 * the documented shape and answered as BigQuery answers, errors included.
 *
 * It counts what legacy streaming bills: every row insertAll accepts, at its JSON size with a
 * 1 KB minimum (`billedInsertBytes`).
 *
 * It cannot run SQL, and does not pretend to: jobs.query records the query and its parameters,
 * checks that every `@param` is bound and every table it names exists, then answers with the rows
 * the test configured (`answerQueries`), encoded in BigQuery's result format.
 */
import {
  apiError,
  FakeRejection,
  HttpFake,
  parseJson,
  type FakeRequest,
  type FakeResponse,
  type FakeRoute,
} from './http-fake.ts';
import {
  patchProblem,
  restRow,
  schemaProblems,
  typeRow,
  type FieldSchema,
  type RowError,
  type Typed,
} from './bigquery-fake-schema.ts';

export interface FakeTable {
  resource: {
    tableReference: { projectId: string; datasetId: string; tableId: string };
    schema: { fields: FieldSchema[] };
    timePartitioning?: { type: string; field?: string };
    clustering?: { fields: string[] };
    [property: string]: unknown;
  };
  /** Stored rows, typed; a row's insertId is remembered so that a resent row is dropped. */
  rows: { insertId?: string; json: Record<string, unknown>; values: { [name: string]: Typed } }[];
  insertIds: Set<string>;
}

export interface RecordedQuery {
  query: string;
  params: Record<string, { type: string; value: unknown }>;
  body: Record<string, unknown>;
}

/** What a test answers a query with: the result's fields, and rows as insertAll `json` objects. */
export interface QueryAnswer {
  fields: FieldSchema[];
  rows: Record<string, unknown>[];
  /** What the query would process; over the request's maximumBytesBilled, BigQuery refuses it. */
  bytesProcessed?: number;
}

const BASE = '/bigquery/v2/projects/([^/]+)';
const route = (name: string, method: string, path: string, handle: FakeRoute['handle']): FakeRoute => ({
  name,
  method,
  pattern: new RegExp(`^${path}$`),
  handle,
});
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const MAX_ROWS = 50_000;
/** insertAll bills each row as at least 1 KB. */
export const MIN_BILLED_ROW_BYTES = 1024;

export class BigQueryFake extends HttpFake {
  readonly tables = new Map<string, FakeTable>();
  readonly queries: RecordedQuery[] = [];
  /** Bytes legacy streaming would bill for the rows insertAll accepted. */
  billedInsertBytes = 0;
  private queryAnswer: ((query: RecordedQuery) => QueryAnswer) | undefined;
  private rowErrors: ((rows: unknown[]) => { index: number; error: RowError }[])[] = [];

  private constructor(
    readonly projectId: string,
    readonly datasetId: string,
    token: string,
  ) {
    const tables = `${BASE}/datasets/([^/]+)/tables`;
    super(
      [
        route('tables.insert', 'POST', `${tables}`, (r, p) => this.insertTable(r, p)),
        route('tables.get', 'GET', `${tables}/([^/]+)`, (_r, p) => this.getTable(p)),
        route('tables.patch', 'PATCH', `${tables}/([^/]+)`, (r, p) => this.patchTable(r, p)),
        route('tables.delete', 'DELETE', `${tables}/([^/]+)`, (_r, p) => this.deleteTable(p)),
        route('tabledata.insertAll', 'POST', `${tables}/([^/]+)/insertAll`, (r, p) => this.insertAll(r, p)),
        route('jobs.query', 'POST', `${BASE}/queries`, (r, p) => this.query(r, p)),
      ],
      token,
    );
  }

  static async start(options: { projectId?: string; datasetId?: string; token?: string } = {}): Promise<BigQueryFake> {
    const fake = new BigQueryFake(options.projectId ?? 'kindling-test', options.datasetId ?? 'kindling', options.token ?? 'test');
    await fake.listen();
    return fake;
  }

  /** Configures how jobs.query answers (the fake cannot evaluate the SQL itself). */
  answerQueries(answer: (query: RecordedQuery) => QueryAnswer): void {
    this.queryAnswer = answer;
  }

  /** An answer holding every stored row of `tableId`, in insertion order, unfiltered. */
  allRowsOf(tableId: string): QueryAnswer {
    const table = this.tables.get(tableId);
    return { fields: table?.resource.schema.fields ?? [], rows: table?.rows.map((row) => row.json) ?? [] };
  }

  /** The next insertAll answers the row errors `pick` chooses (the rows named are not stored). */
  rowErrorsNext(pick: (rows: unknown[]) => { index: number; error: RowError }[]): void {
    this.rowErrors.push(pick);
  }

  private dataset(params: string[]): void {
    const [project, dataset] = params;
    if (project !== this.projectId || dataset !== this.datasetId) {
      throw new FakeRejection(apiError(404, `Not found: Dataset ${project}:${dataset}`));
    }
  }

  private table(params: string[]): FakeTable {
    this.dataset(params);
    const table = this.tables.get(params[2]!);
    if (!table) throw new FakeRejection(apiError(404, `Not found: Table ${this.projectId}:${this.datasetId}.${params[2]}`));
    return table;
  }

  private insertTable(request: FakeRequest, params: string[]): FakeResponse {
    this.dataset(params);
    const body = parseJson(request) as FakeTable['resource'];
    const ref = body?.tableReference;
    if (ref?.projectId !== this.projectId || ref.datasetId !== this.datasetId || !/^[\w-]{1,1024}$/.test(ref.tableId ?? '')) {
      return apiError(400, 'Invalid tableReference.');
    }
    const problems = schemaProblems(body.schema?.fields);
    const fields = body.schema?.fields ?? [];
    const top = (name: string | undefined) => fields.find((f) => f.name === name);
    const partition = body.timePartitioning;
    const partitionType = top(partition?.field)?.type ?? '';
    const badField = partition?.field !== undefined && !['TIMESTAMP', 'DATE', 'DATETIME'].includes(partitionType);
    if (partition && (!['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(partition.type) || badField)) {
      problems.push('The field specified for time partitioning must be a top-level TIMESTAMP, DATE or DATETIME field.');
    }
    const clustering = body.clustering?.fields;
    if (clustering && (clustering.length > 4 || clustering.some((name) => !top(name) || top(name)?.type === 'RECORD'))) {
      problems.push('Clustering fields must be at most 4 existing top-level non-RECORD fields.');
    }
    if (problems.length > 0) return apiError(400, problems.join(' '));
    const id = `${this.projectId}:${this.datasetId}.${ref.tableId}`;
    if (this.tables.has(ref.tableId)) return apiError(409, `Already Exists: Table ${id}`);
    const resource = { ...body, kind: 'bigquery#table', id, type: 'TABLE', etag: '1', creationTime: String(Date.now()) };
    this.tables.set(ref.tableId, { resource, rows: [], insertIds: new Set() });
    return { status: 200, body: resource };
  }

  private getTable(params: string[]): FakeResponse {
    const table = this.table(params);
    return { status: 200, body: { ...table.resource, numRows: String(table.rows.length) } };
  }

  private patchTable(request: FakeRequest, params: string[]): FakeResponse {
    const table = this.table(params);
    const body = parseJson(request) as Partial<FakeTable['resource']>;
    if (body.schema) {
      const problem =
        schemaProblems(body.schema.fields)[0] ?? patchProblem(table.resource.schema.fields, body.schema.fields);
      const id = `${this.projectId}:${this.datasetId}.${params[2]}`;
      if (problem) return apiError(400, `Provided Schema does not match Table ${id}. ${problem}.`);
    }
    const { tableReference: _ignored, ...changes } = body;
    table.resource = { ...table.resource, ...changes, etag: String(Number(table.resource.etag) + 1) };
    return { status: 200, body: table.resource };
  }

  private deleteTable(params: string[]): FakeResponse {
    this.table(params);
    this.tables.delete(params[2]!);
    return { status: 204 };
  }

  private insertAll(request: FakeRequest, params: string[]): FakeResponse {
    const table = this.table(params);
    if (request.body.length > MAX_REQUEST_BYTES) {
      return apiError(400, `Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
    }
    const body = parseJson(request) as {
      rows?: unknown;
      skipInvalidRows?: boolean;
      ignoreUnknownValues?: boolean;
      templateSuffix?: string;
    };
    if (!Array.isArray(body.rows) || body.rows.length === 0) return apiError(400, 'No rows present in the request.');
    if (body.rows.length > MAX_ROWS) return apiError(400, `Too many rows present in the request, limit: ${MAX_ROWS}.`);
    if (body.templateSuffix !== undefined) return apiError(400, 'The fake does not implement templateSuffix.');
    const rows = body.rows as { insertId?: unknown; json?: unknown }[];
    const typed = rows.map((row) =>
      row === null || typeof row !== 'object' || (row.insertId !== undefined && typeof row.insertId !== 'string')
        ? { error: { reason: 'invalid', location: '', message: 'A row must be {insertId?: string, json: object}.' } }
        : typeRow(table.resource.schema.fields, row.json, body.ignoreUnknownValues === true),
    );
    const errors = new Map<number, RowError>();
    typed.forEach((result, index) => 'error' in result && errors.set(index, result.error));
    for (const injected of this.rowErrors.shift()?.(rows) ?? []) errors.set(injected.index, injected.error);
    const kind = 'bigquery#tableDataInsertAllResponse';
    if (errors.size > 0 && body.skipInvalidRows !== true) {
      // Without skipInvalidRows nothing is stored, and every valid row is reported as stopped.
      const stopped: RowError = { reason: 'stopped', location: '', message: '' };
      const insertErrors = rows.map((_row, index) => ({ index, errors: [errors.get(index) ?? stopped] }));
      return { status: 200, body: { kind, insertErrors } };
    }
    typed.forEach((result, index) => {
      const insertId = rows[index]!.insertId as string | undefined;
      if ('error' in result || errors.has(index)) return;
      // Accepted rows are billed, including those insertId dedupe then drops.
      this.billedInsertBytes += Math.max(MIN_BILLED_ROW_BYTES, Buffer.byteLength(JSON.stringify(rows[index]!.json)));
      if (insertId !== undefined && table.insertIds.has(insertId)) return;
      if (insertId !== undefined) table.insertIds.add(insertId);
      table.rows.push({ insertId, json: rows[index]!.json as Record<string, unknown>, values: result.values });
    });
    const insertErrors = [...errors].map(([index, error]) => ({ index, errors: [error] }));
    return { status: 200, body: { kind, ...(insertErrors.length > 0 ? { insertErrors } : {}) } };
  }

  private query(request: FakeRequest, params: string[]): FakeResponse {
    if (params[0] !== this.projectId) return apiError(403, `Access Denied: Project ${params[0]}`);
    const body = parseJson(request) as Record<string, unknown>;
    const query = body.query;
    if (typeof query !== 'string' || query.trim() === '') return apiError(400, 'Query text is required.');
    if (body.useLegacySql !== false) return apiError(400, 'The adapter must ask for GoogleSQL (useLegacySql: false).');
    if (body.maximumBytesBilled !== undefined && !/^\d+$/.test(String(body.maximumBytesBilled))) {
      return apiError(400, 'maximumBytesBilled must be an int64 string.');
    }
    const bound = this.queryParameters(body);
    for (const [, name] of query.matchAll(/@(\w+)/g)) {
      if (!(name! in bound)) return apiError(400, `Query parameter '${name}' not found at [1:1]`);
    }
    for (const [, project, dataset, tableId] of query.matchAll(/`([^`.]+)\.([^`.]+)\.([^`.]+)`/g)) {
      if (project !== this.projectId || dataset !== this.datasetId || !this.tables.has(tableId!)) {
        return apiError(404, `Not found: Table ${project}:${dataset}.${tableId} was not found in location US`);
      }
    }
    const recorded: RecordedQuery = { query, params: bound, body };
    this.queries.push(recorded);
    if (!this.queryAnswer) return apiError(400, 'The fake cannot run SQL: the test must configure answerQueries().');
    const { fields, rows, bytesProcessed = 0 } = this.queryAnswer(recorded);
    const cap = body.maximumBytesBilled === undefined ? Infinity : Number(body.maximumBytesBilled);
    if (bytesProcessed > cap) {
      const message = `Query exceeded limit for bytes billed: ${cap}. ${bytesProcessed} or higher required.`;
      return apiError(400, message, 'bytesBilledLimitExceeded');
    }
    // BigQuery answers the first `maxResults` rows, with the total and a token for the next page.
    const pageSize = body.maxResults === undefined ? rows.length : Number(body.maxResults);
    const int64 = (body.formatOptions as { useInt64Timestamp?: boolean } | undefined)?.useInt64Timestamp === true;
    const encoded = rows.slice(0, pageSize).map((json) => {
      const typed = typeRow(fields, json);
      if ('error' in typed) throw new Error(`A configured answer row does not fit its fields: ${typed.error.message}`);
      return restRow(fields, typed.values, int64);
    });
    return {
      status: 200,
      body: {
        kind: 'bigquery#queryResponse',
        jobComplete: true,
        jobReference: { projectId: this.projectId, jobId: `job_${this.queries.length}`, location: body.location ?? 'US' },
        schema: { fields },
        totalRows: String(rows.length),
        totalBytesProcessed: String(bytesProcessed),
        ...(rows.length > pageSize ? { pageToken: `page_${pageSize}` } : {}),
        cacheHit: false,
        ...(encoded.length > 0 ? { rows: encoded } : {}),
      },
    };
  }

  private queryParameters(body: Record<string, unknown>): RecordedQuery['params'] {
    const list = body.queryParameters;
    if (list === undefined) return {};
    if (!Array.isArray(list) || String(body.parameterMode).toUpperCase() !== 'NAMED') {
      throw new FakeRejection(apiError(400, 'Named query parameters need parameterMode NAMED.'));
    }
    const bound: RecordedQuery['params'] = {};
    type Parameter = { name?: string; parameterType?: { type?: string }; parameterValue?: { value?: unknown } };
    for (const param of list as Parameter[]) {
      const type = param.parameterType?.type;
      const value = param.parameterValue?.value;
      if (!param.name || !type || value === undefined) {
        throw new FakeRejection(apiError(400, 'A query parameter needs name, parameterType.type and parameterValue.value.'));
      }
      if (type === 'INT64' && !/^-?\d+$/.test(String(value))) {
        throw new FakeRejection(apiError(400, `Invalid INT64 value for @${param.name}: ${String(value)}`));
      }
      bound[param.name] = { type, value };
    }
    return bound;
  }
}
