/**
 * An in-test fake of the BigQuery Storage Write API (google.cloud.bigquery.storage.v1.BigQueryWrite),
 * served over plaintext gRPC with the service definition loaded from the .proto files the client
 * package ships. It implements AppendRows on a table's `_default` stream, and shares its tables
 * with a BigQueryFake, which owns creating, patching and querying them.
 *
 * Each request is checked as storage.proto documents it: the routing header, `write_stream` on
 * the first request of a connection, the writer schema there too, no offset on the default
 * stream, every writer field naming a column of a fitting type. Every row is decoded with the
 * writer schema and typed against the table; a request with a bad row stores nothing and is
 * answered with `row_errors`. Answers come in request order on each connection.
 *
 * It counts what billing would: connections, append requests, rows and their serialized bytes.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { BigQueryFake, FakeTable } from './bigquery-fake.ts';
import { modeOf, typeOf, typeRow, type FieldSchema, type RowError } from './bigquery-fake-schema.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PROTO_DIRS = [
  path.join(ROOT, 'node_modules/@google-cloud/bigquery-storage/build/protos'),
  path.join(ROOT, 'node_modules/google-gax/build/protos'),
];
const DEFAULT_STREAM = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/streams\/_default$/;
/** The proto types BigQuery accepts for each column type. */
const WIRE_TYPES: Record<string, string[]> = {
  STRING: ['string'],
  INTEGER: ['int64', 'int32', 'sint64', 'sint32', 'uint32', 'sfixed64', 'fixed32'],
  FLOAT: ['double', 'float'],
  BOOLEAN: ['bool'],
  TIMESTAMP: ['int64', 'string'],
};
type FromDescriptor = (descriptor: unknown) => protobuf.Type;
const fromDescriptor = (protobuf.Type as unknown as { fromDescriptor: FromDescriptor }).fromDescriptor;

export interface RecordedAppend {
  table: string;
  rows: number;
  /** Size of the serialized rows: what the Storage Write API bills. */
  bytes: number;
  /** The writer schema in force on the connection (field name → proto type, label). */
  writerFields: { name: string; type: string; rule: string }[];
  stored: boolean;
}

interface Connection {
  id: number;
  routing: string | undefined;
  stream: string | null;
  type: protobuf.Type | null;
}

type Fault = { kind: 'status'; code: grpc.status; afterStoring: boolean } | { kind: 'rows'; pick: (rows: number) => number[] };

interface AppendRequest {
  writeStream?: string;
  offset?: { value?: string } | null;
  protoRows?: { writerSchema?: { protoDescriptor?: unknown }; rows?: { serializedRows?: Buffer[] } };
}

export class BigQueryWriteFake {
  readonly appends: RecordedAppend[] = [];
  /** Errors thrown by the fake itself (a bug in the fake, answered as INTERNAL). */
  readonly crashes: unknown[] = [];
  connections = 0;
  private readonly faults: Fault[] = [];
  /** Tables whose schema the streaming backend still sees as it was (columns added since are unknown). */
  private readonly frozen = new Map<string, FieldSchema[]>();
  private readonly server = new grpc.Server();
  private port = 0;

  private constructor(private readonly rest: BigQueryFake) {}

  static async start(rest: BigQueryFake): Promise<BigQueryWriteFake> {
    const fake = new BigQueryWriteFake(rest);
    const definition = loader.loadSync('google/cloud/bigquery/storage/v1/storage.proto', {
      includeDirs: PROTO_DIRS,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: { cloud: { bigquery: { storage: { v1: { BigQueryWrite: grpc.ServiceClientConstructor } } } } };
    };
    const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'The fake implements AppendRows on _default streams only.' });
    fake.server.addService(loaded.google.cloud.bigquery.storage.v1.BigQueryWrite.service, {
      AppendRows: (call: grpc.ServerDuplexStream<AppendRequest, unknown>) => fake.connect(call),
      CreateWriteStream: unimplemented,
      GetWriteStream: unimplemented,
      FinalizeWriteStream: unimplemented,
      BatchCommitWriteStreams: unimplemented,
      FlushRows: unimplemented,
    });
    fake.port = await new Promise<number>((resolve, reject) =>
      fake.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return fake;
  }

  /** `host:port`, what BIGQUERY_STORAGE_API_ENDPOINT holds. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Rows stored and their serialized bytes, over every append that stored. */
  get usage(): { appends: number; rows: number; bytes: number } {
    const stored = this.appends.filter((append) => append.stored);
    return {
      appends: this.appends.length,
      rows: stored.reduce((sum, append) => sum + append.rows, 0),
      bytes: stored.reduce((sum, append) => sum + append.bytes, 0),
    };
  }

  /**
   * The next append ends its connection with `code` (e.g. UNAVAILABLE). With `afterStoring` the
   * rows are stored first, as when the acknowledgement is lost on the way back.
   */
  failNextAppend(code: grpc.status, options: { afterStoring?: boolean } = {}): void {
    this.faults.push({ kind: 'status', code, afterStoring: options.afterStoring ?? false });
  }

  /** The next append refuses the rows whose indexes `pick` returns, as FIELDS_ERROR row errors. */
  rowErrorsNext(pick: (rows: number) => number[]): void {
    this.faults.push({ kind: 'rows', pick });
  }

  /** Until thawed, appends to the table are checked against its columns as they are now. */
  freezeSchema(tableId: string): void {
    this.frozen.set(tableId, structuredClone(this.rest.tables.get(tableId)!.resource.schema.fields));
  }

  thawSchema(tableId: string): void {
    this.frozen.delete(tableId);
  }

  async close(): Promise<void> {
    this.server.forceShutdown();
  }

  private connect(call: grpc.ServerDuplexStream<AppendRequest, unknown>): void {
    const connection: Connection = {
      id: ++this.connections,
      routing: call.metadata.get('x-goog-request-params')[0]?.toString(),
      stream: null,
      type: null,
    };
    call.on('data', (request: AppendRequest) => {
      try {
        this.append(call, connection, request);
      } catch (error) {
        this.crashes.push(error);
        call.emit('error', { code: grpc.status.INTERNAL, details: `The fake crashed: ${String(error)}` });
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  }

  private append(call: grpc.ServerDuplexStream<AppendRequest, unknown>, connection: Connection, request: AppendRequest): void {
    const fail = (code: grpc.status, details: string): void => void call.emit('error', { code, details });
    if (request.writeStream) connection.stream = request.writeStream;
    if (!connection.stream) return fail(grpc.status.INVALID_ARGUMENT, 'write_stream is required on the first request.');
    if (connection.routing !== `write_stream=${connection.stream}`) {
      return fail(grpc.status.INVALID_ARGUMENT, 'The x-goog-request-params header must name the write stream.');
    }
    const match = DEFAULT_STREAM.exec(connection.stream);
    if (!match) return fail(grpc.status.UNIMPLEMENTED, `The fake only serves _default streams: ${connection.stream}`);
    const [, project, dataset, tableId] = match;
    const table = project === this.rest.projectId && dataset === this.rest.datasetId ? this.rest.tables.get(tableId!) : undefined;
    if (!table) return fail(grpc.status.NOT_FOUND, `Requested entity was not found. Entity: ${connection.stream}`);
    if (request.offset?.value !== undefined) {
      return fail(grpc.status.INVALID_ARGUMENT, 'An offset cannot be given when appending to the _default stream.');
    }
    const schema = request.protoRows?.writerSchema?.protoDescriptor;
    // storage.proto: the writer schema of the first request counts; later ones are ignored.
    if (connection.type === null) {
      if (!schema) return fail(grpc.status.INVALID_ARGUMENT, 'writer_schema is required on the first request.');
      connection.type = rowTypeOf(schema);
    }
    const serialized = request.protoRows?.rows?.serializedRows ?? [];
    if (serialized.length === 0) return fail(grpc.status.INVALID_ARGUMENT, 'No rows present in the request.');

    const columns = this.frozen.get(tableId!) ?? table.resource.schema.fields;
    const record: RecordedAppend = {
      table: tableId!,
      rows: serialized.length,
      bytes: serialized.reduce((sum, row) => sum + row.length, 0),
      writerFields: connection.type.fieldsArray.map((f) => ({ name: f.name, type: f.type, rule: ruleOf(f) })),
      stored: false,
    };
    this.appends.push(record);
    const problem = writerProblem(connection.type, columns);
    if (problem) return void call.write(errorResponse(connection.stream, grpc.status.INVALID_ARGUMENT, problem));

    const fault = this.faults.shift();
    if (fault?.kind === 'status' && !fault.afterStoring) return fail(fault.code, `Injected ${grpc.status[fault.code]}.`);
    const typed = serialized.map((bytes) => decodeRow(connection.type!, bytes, table));
    const rowErrors = typed.flatMap((result, index) => ('error' in result ? [{ index, message: result.error.message }] : []));
    if (fault?.kind === 'rows') rowErrors.push(...fault.pick(serialized.length).map((index) => ({ index, message: 'Injected row error.' })));
    if (rowErrors.length > 0) {
      const response = errorResponse(connection.stream, grpc.status.INVALID_ARGUMENT, 'Errors found in the rows of the request.');
      return void call.write({ ...response, rowErrors: rowErrors.map((e) => ({ ...e, index: String(e.index), code: 'FIELDS_ERROR' })) });
    }
    for (const result of typed) if (!('error' in result)) table.rows.push({ json: result.json, values: result.values });
    record.stored = true;
    if (fault?.kind === 'status') return fail(fault.code, `Injected ${grpc.status[fault.code]} after storing.`);
    call.write({ appendResult: {}, writeStream: connection.stream });
  }
}

function errorResponse(stream: string, code: grpc.status, message: string) {
  return { error: { code, message: `${message} Entity: ${stream}`, details: [] }, writeStream: stream };
}

/** The writer schema (a DescriptorProto as the client sends it) as a type rows decode with. */
function rowTypeOf(protoDescriptor: unknown): protobuf.Type {
  const message = descriptor.DescriptorProto.fromObject(protoDescriptor as Record<string, unknown>);
  const type = fromDescriptor(message);
  new protobuf.Root().add(type);
  type.resolveAll();
  return type;
}

function ruleOf(field: protobuf.Field): string {
  return field.repeated ? 'repeated' : field.required ? 'required' : 'optional';
}

/** Why BigQuery would refuse this writer schema for these columns, or null. */
function writerProblem(type: protobuf.Type, columns: FieldSchema[], prefix = ''): string | null {
  for (const field of type.fieldsArray) {
    const column = columns.find((c) => c.name.toLowerCase() === field.name.toLowerCase());
    const where = `${prefix}${field.name}`;
    if (!column) return `Input schema has more fields than BigQuery schema, extra fields: '${where}'`;
    if (field.repeated !== (modeOf(column) === 'REPEATED')) return `Field ${where} has a repetition that does not match its column.`;
    if (typeOf(column) === 'RECORD') {
      if (!(field.resolvedType instanceof protobuf.Type)) return `Field ${where} must be a message for a RECORD column.`;
      const nested = writerProblem(field.resolvedType, column.fields ?? [], `${where}.`);
      if (nested) return nested;
    } else if (!(WIRE_TYPES[typeOf(column)] ?? []).includes(field.type)) {
      return `Field ${where} of proto type ${field.type} cannot be written to a ${typeOf(column)} column.`;
    }
  }
  const names = new Set(type.fieldsArray.map((f) => f.name.toLowerCase()));
  const missing = columns.find((c) => modeOf(c) === 'REQUIRED' && !names.has(c.name.toLowerCase()));
  return missing ? `The writer schema lacks the required column ${prefix}${missing.name}.` : null;
}

/** A serialized row decoded and typed against the table, as tabledata.insertAll's `json` and values. */
function decodeRow(
  type: protobuf.Type,
  bytes: Buffer,
  table: FakeTable,
): { json: Record<string, unknown>; values: FakeTable['rows'][number]['values'] } | { error: RowError } {
  let object: Record<string, unknown>;
  try {
    object = type.toObject(type.decode(bytes), { longs: String, defaults: false, arrays: false });
  } catch (error) {
    return { error: { reason: 'invalid', location: '', message: `Could not parse the row: ${String(error)}` } };
  }
  const json = toInsertJson(object, table.resource.schema.fields);
  const typed = typeRow(table.resource.schema.fields, json);
  return 'error' in typed ? typed : { json, values: typed.values };
}

/** Decoded proto values as insertAll would have carried them: TIMESTAMP µs as text, names as the columns'. */
function toInsertJson(object: Record<string, unknown>, columns: FieldSchema[]): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const column = columns.find((c) => c.name.toLowerCase() === key.toLowerCase());
    if (!column) continue;
    const convert = (item: unknown): unknown =>
      typeOf(column) === 'TIMESTAMP' && typeof item === 'string' && /^-?\d+$/.test(item)
        ? microsToText(BigInt(item))
        : typeOf(column) === 'RECORD'
          ? toInsertJson(item as Record<string, unknown>, column.fields ?? [])
          : item;
    json[column.name] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return json;
}

function microsToText(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - ms * 1000n;
  return `${new Date(Number(ms)).toISOString().slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}
