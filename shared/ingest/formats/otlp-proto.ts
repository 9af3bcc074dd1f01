/**
 * OTLP/HTTP protobuf: decoding an ExportLogsServiceRequest and encoding the answers
 * (ExportLogsServiceResponse, google.rpc.Status) with protobufjs.
 *
 * Why the definitions live here: the OTLP packages installed (@opentelemetry/otlp-transformer
 * 0.301) no longer ship .proto files or generated decoders; they serialize SDK objects with a
 * hand-written writer that is not exported. The message definitions below are those of
 * opentelemetry-proto v1.7.0 (Apache-2.0: common/v1/common.proto, resource/v1/resource.proto,
 * logs/v1/logs.proto, collector/logs/v1/logs_service.proto), restricted to the messages logs
 * need and without comments, plus google/rpc/status.proto (without its `details`). Field numbers
 * and wire types are as published; unknown fields are skipped, as proto3 requires. The unit
 * tests check them against the SDK's own serializer and response reader.
 */
import protobuf from 'protobufjs';
import { badRequest } from '../../errors.ts';

const COMMON = `
syntax = "proto3";
package opentelemetry.proto.common.v1;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message EntityRef {
  string schema_url = 1;
  string type = 2;
  repeated string id_keys = 3;
  repeated string description_keys = 4;
}`;

const RESOURCE = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;
message Resource {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
  repeated opentelemetry.proto.common.v1.EntityRef entity_refs = 3;
}`;

const LOGS = `
syntax = "proto3";
package opentelemetry.proto.logs.v1;
message ResourceLogs {
  reserved 1000;
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
}
message ScopeLogs {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}
message LogRecord {
  reserved 4;
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  // The SeverityNumber enum upstream: an int32 has the same wire encoding and keeps every value.
  int32 severity_number = 2;
  string severity_text = 3;
  opentelemetry.proto.common.v1.AnyValue body = 5;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}`;

const LOGS_SERVICE = `
syntax = "proto3";
package opentelemetry.proto.collector.logs.v1;
message ExportLogsServiceRequest {
  repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1;
}
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}`;

const STATUS = `
syntax = "proto3";
package google.rpc;
message Status {
  int32 code = 1;
  string message = 2;
}`;

interface OtlpTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  status: protobuf.Type;
}

let types: OtlpTypes | null = null;

/** Built on first use: the first OTLP protobuf request pays the parse, other routes never do. */
function otlpTypes(): OtlpTypes {
  if (types) return types;
  const root = new protobuf.Root();
  for (const source of [COMMON, RESOURCE, LOGS, LOGS_SERVICE, STATUS]) protobuf.parse(source, root);
  root.resolveAll();
  types = {
    request: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  };
  return types;
}

/**
 * A protobuf ExportLogsServiceRequest as the same plain object OTLP/JSON spells (lowerCamelCase
 * names, 64-bit integers as decimal strings, bytes as base64), except that trace and span ids
 * are hex, as OTLP/JSON writes them. Throws 400 when the bytes are not such a message.
 */
export function decodeLogsRequest(bytes: Uint8Array): unknown {
  const { request } = otlpTypes();
  let message: protobuf.Message;
  try {
    message = request.decode(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw badRequest(`The body is not a protobuf ExportLogsServiceRequest (${reason}).`);
  }
  const object = request.toObject(message, { longs: String, enums: Number, bytes: String });
  for (const resourceLogs of (object.resourceLogs ?? []) as ProtobufResourceLogs[]) {
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        if (record.traceId !== undefined) record.traceId = base64ToHex(record.traceId);
        if (record.spanId !== undefined) record.spanId = base64ToHex(record.spanId);
      }
    }
  }
  return object;
}

interface ProtobufResourceLogs {
  scopeLogs?: { logRecords?: { traceId?: string; spanId?: string }[] }[];
}

function base64ToHex(value: string): string {
  return Buffer.from(value, 'base64').toString('hex');
}

export interface PartialSuccess {
  rejectedLogRecords: number;
  errorMessage: string;
}

/** An ExportLogsServiceResponse; without a partial success it is the empty message (0 bytes). */
export function encodeLogsResponse(partialSuccess: PartialSuccess | null): Uint8Array {
  const { response } = otlpTypes();
  return response.encode(response.fromObject(partialSuccess ? { partialSuccess } : {})).finish();
}

/** A google.rpc.Status, the body OTLP/HTTP requires for every 4xx and 5xx answer. */
export function encodeStatus(code: number, message: string): Uint8Array {
  const { status } = otlpTypes();
  return status.encode(status.fromObject({ code, message })).finish();
}
