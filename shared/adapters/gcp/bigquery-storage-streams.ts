/**
 * The Storage Write API connections of one process: per table, one AppendRows connection to the
 * table's default stream, opened on first use through the package's managed writer and shared by
 * every insert (appends are pipelined on it and answered in order).
 *
 * A connection carries one writer schema. When a source's schema grows, a connection with the
 * wider schema replaces it and the old one is closed once its appends are answered: the managed
 * writer's own schema switch (setProtoDescriptor) reconnects underneath in-flight appends, which
 * would leave them unanswered. Widening only appends fields (mergeTableSchema keeps the existing
 * ones in place), so field numbers never move and a row encoded for the narrower schema is still
 * a valid row of the wider one.
 *
 * A connection that fails (UNAVAILABLE and the like) is replaced and the append sent again on the
 * new one, a few times, before the failure is handed to the caller.
 */
import { managedwriter, type protos } from '@google-cloud/bigquery-storage';
import { BASE_COLUMNS, type SourceSchema } from '../../events/model.ts';
import { mergeTableSchema, type TableField } from './bigquery-schema.ts';
import { rowType, writerFields, type RowType } from './bigquery-storage-rows.ts';

type WriterClient = InstanceType<typeof managedwriter.WriterClient>;
type StreamConnection = Awaited<ReturnType<WriterClient['createStreamConnection']>>;
export type AppendResponse = protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse;

export interface StorageStreamsOptions {
  projectId: string;
  dataset: string;
  /** Tests only: `host:port` of a plaintext gRPC fake. */
  apiEndpoint?: string;
  /** Sends of one append before a connection failure is the caller's (default 3). */
  maxAttempts?: number;
}

/** gRPC codes after which the connection is gone but the append may well pass on a new one. */
const CONNECTION_FAILURES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 10 /* ABORTED */, 13 /* INTERNAL */, 14 /* UNAVAILABLE */]);

/** One connection to one table's default stream, with the writer schema its rows are encoded in. */
export class TableStream {
  private connection: Promise<{ connection: StreamConnection; writer: InstanceType<typeof managedwriter.Writer> }> | null = null;
  private inFlight = 0;
  private retired = false;
  /** Set when the connection reported an error: its replacement serves the next appends. */
  broken = false;

  constructor(
    readonly fields: TableField[],
    readonly rowType: RowType,
    private readonly open: () => Promise<StreamConnection>,
  ) {}

  async append(rows: Uint8Array[]): Promise<AppendResponse> {
    this.inFlight++;
    try {
      const { writer } = await this.connect();
      return await writer.appendRows({ serializedRows: rows }).getResult();
    } finally {
      this.inFlight--;
      if (this.retired && this.inFlight === 0) void this.closeNow();
    }
  }

  /** Closes the connection once its appends are answered. */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) void this.closeNow();
  }

  private connect() {
    this.connection ??= this.open().then((connection) => {
      // Without a listener, an error the managed writer does not consider retryable is thrown
      // from an EventEmitter; the appends it concerns are rejected all the same.
      connection.onConnectionError(() => {
        this.broken = true;
      });
      return { connection, writer: new managedwriter.Writer({ connection, protoDescriptor: this.rowType.descriptor }) };
    });
    return this.connection;
  }

  private async closeNow(): Promise<void> {
    const opened = this.connection;
    this.connection = null;
    if (opened) (await opened.catch(() => null))?.connection.close();
  }
}

export class StorageStreams {
  private client: Promise<WriterClient> | undefined;
  private readonly streams = new Map<string, TableStream>();

  constructor(private readonly options: StorageStreamsOptions) {}

  /** The table's stream, opened or widened so that its writer schema covers `schema`. */
  streamFor(table: string, schema: SourceSchema): TableStream {
    const current = this.streams.get(table);
    let fields = writerFields(schema);
    if (current && !current.broken) {
      const merged = mergeTableSchema(current.fields, [...BASE_COLUMNS, ...schema]);
      if (!merged.changed) return current;
      fields = merged.fields;
    }
    return this.replace(table, current, fields, rowType(fields));
  }

  /** Sends one append, replacing a failed connection and sending again up to maxAttempts times. */
  async append(table: string, stream: TableStream, rows: Uint8Array[]): Promise<AppendResponse> {
    const attempts = this.options.maxAttempts ?? 3;
    let current = stream;
    for (let attempt = 1; ; attempt++) {
      try {
        return await current.append(rows);
      } catch (error) {
        if (!isConnectionFailure(error) || attempt >= attempts) throw error;
        current = this.replacementOf(table, current);
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  /** Drops the table's connection (its table was dropped, or BigQuery must re-read its schema). */
  forget(table: string): void {
    this.streams.get(table)?.retire();
    this.streams.delete(table);
  }

  async close(): Promise<void> {
    for (const table of [...this.streams.keys()]) this.forget(table);
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    client?.close();
  }

  /** The stream serving the table after `failed` broke: a wider one if it exists, else a new connection. */
  private replacementOf(table: string, failed: TableStream): TableStream {
    failed.broken = true;
    const current = this.streams.get(table);
    if (current && current !== failed && !current.broken) return current;
    return this.replace(table, current, failed.fields, failed.rowType);
  }

  private replace(table: string, current: TableStream | undefined, fields: TableField[], type: RowType): TableStream {
    const destinationTable = `projects/${this.options.projectId}/datasets/${this.options.dataset}/tables/${table}`;
    const next = new TableStream(fields, type, async () =>
      (await this.writerClient()).createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable }),
    );
    this.streams.set(table, next);
    current?.retire();
    return next;
  }

  /** Created on first use and kept: one client per process. */
  private writerClient(): Promise<WriterClient> {
    this.client ??= (async () => {
      const { projectId, apiEndpoint } = this.options;
      if (apiEndpoint === undefined) return new managedwriter.WriterClient({ projectId });
      const { credentials } = await import('@grpc/grpc-js');
      const url = new URL(`http://${apiEndpoint}`);
      return new managedwriter.WriterClient({
        projectId,
        apiEndpoint: url.hostname,
        port: Number(url.port),
        sslCreds: credentials.createInsecure(),
      });
    })();
    return this.client;
  }
}

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isConnectionFailure(error: unknown): boolean {
  const code = grpcCode(error);
  return code !== undefined && CONNECTION_FAILURES.has(code);
}
