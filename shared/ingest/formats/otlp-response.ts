/**
 * What `POST /v1/logs` answers, as the OTLP/HTTP specification asks: in the encoding of the
 * request (protobuf or JSON), an ExportLogsServiceResponse on success — with `partial_success`
 * counting the records that were rejected and saying why — and a google.rpc.Status with the
 * HTTP status of the failure otherwise (400, 401, 403, 404, 413, 415 are final for a client;
 * 429, 502, 503, 504 are retried, honouring Retry-After).
 *
 * Decisions beyond CONTRACT.md:
 * - These bodies replace the contract's `{"error", "message"}` on this route only: OTLP
 *   clients read a Status. Its `code` is the gRPC code matching the HTTP status.
 * - In JSON, `rejectedLogRecords` is a decimal string (proto3 JSON's form of an int64).
 * - `error_message` names how many records were rejected and up to three distinct reasons.
 */
import type { Rejection } from '../pipeline.ts';
import type { OtlpEncoding } from './otlp.ts';
import { encodeLogsResponse, encodeStatus, type PartialSuccess } from './otlp-proto.ts';

export interface OtlpAnswer {
  status: number;
  contentType: string;
  body: Uint8Array<ArrayBuffer> | string;
}

const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
};

/** 200 with an ExportLogsServiceResponse; `total` is the number of records in the request. */
export function exportAnswer(encoding: OtlpEncoding, rejected: Rejection[], total: number): OtlpAnswer {
  const partialSuccess = rejected.length === 0 ? null : describeRejections(rejected, total);
  const contentType = CONTENT_TYPES[encoding];
  if (encoding === 'protobuf') {
    return { status: 200, contentType, body: new Uint8Array(encodeLogsResponse(partialSuccess)) };
  }
  if (!partialSuccess) return { status: 200, contentType, body: '{}' };
  const { rejectedLogRecords, errorMessage } = partialSuccess;
  const body = JSON.stringify({ partialSuccess: { rejectedLogRecords: String(rejectedLogRecords), errorMessage } });
  return { status: 200, contentType, body };
}

function describeRejections(rejected: Rejection[], total: number): PartialSuccess {
  const reasons = [...new Set(rejected.map((r) => r.reason))];
  const shown = reasons.slice(0, 3).join(' ');
  const more = reasons.length > 3 ? ` (and ${reasons.length - 3} other reasons)` : '';
  return {
    rejectedLogRecords: rejected.length,
    errorMessage: `${rejected.length} of ${total} log records were rejected: ${shown}${more}`,
  };
}

/** A failure with its HTTP status, as a google.rpc.Status. */
export function failureAnswer(encoding: OtlpEncoding, status: number, message: string): OtlpAnswer {
  const code = grpcCode(status);
  const body =
    encoding === 'protobuf' ? new Uint8Array(encodeStatus(code, message)) : JSON.stringify({ code, message });
  return { status, contentType: CONTENT_TYPES[encoding], body };
}

/** The gRPC status code for an HTTP status (google.rpc.Code). */
function grpcCode(status: number): number {
  switch (status) {
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return status < 500 ? 3 : 13; // INVALID_ARGUMENT : INTERNAL
  }
}
