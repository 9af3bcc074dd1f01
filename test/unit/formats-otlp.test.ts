/**
 * The OTLP logs translator and its answers. Requests are made by the OpenTelemetry SDK's own
 * serializers (@opentelemetry/otlp-transformer) from SDK log records, so the protobuf
 * definitions Kindling decodes with are checked against the maintained encoder; answers are read
 * back with the same package's response reader.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SeverityNumber, TraceFlags, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { otlpEncoding, otlpLogEvents } from '../../shared/ingest/formats/otlp.ts';
import { exportAnswer, failureAnswer } from '../../shared/ingest/formats/otlp-response.ts';
import { normaliseEvent } from '../../shared/events/normalise.ts';
import type { JsonObject } from '../../shared/events/model.ts';
import { otlpJsonExample } from '../support/integration-payloads.ts';

function sdkLogRecords() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('checkout.orders', '2.3.1');
  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });
  logger.emit({
    timestamp: [1709287200, 123456789],
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'order placed',
    attributes: { 'order.id': 'o-1', 'order.total': 42.5, 'order.items': 3, 'order.gift': false, tags: ['a', 'b'] },
    context,
  });
  logger.emit({ timestamp: [1709287201, 0], eventName: 'order.refunded', body: { reason: 'damaged', amount: 10 } });
  return exporter.getFinishedLogRecords();
}

const bytes = (data: Uint8Array | undefined) => Buffer.from(data!);

describe('otlpLogEvents with SDK-made requests', () => {
  const records = sdkLogRecords();
  const fromProtobuf = otlpLogEvents(bytes(ProtobufLogsSerializer.serializeRequest(records)), 'protobuf', undefined);
  const fromJson = otlpLogEvents(bytes(JsonLogsSerializer.serializeRequest(records)), 'json', undefined);

  it('makes one event per log record with body, severity, ids, attributes, resource and scope', () => {
    expect(fromProtobuf).toHaveLength(2);
    expect(fromProtobuf[0]).toEqual({
      timestamp: '1709287200123456789',
      message: 'order placed',
      severity_text: 'WARN',
      severity_number: 13,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      attributes: { 'order.id': 'o-1', 'order.total': 42.5, 'order.items': 3, 'order.gift': false, tags: ['a', 'b'] },
      resource: expect.objectContaining({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
      scope: { name: 'checkout.orders', version: '2.3.1' },
    });
  });

  it('keeps a structured body as an object and names the event by its event name', () => {
    const event = fromProtobuf[1] as JsonObject;
    expect(event.message).toBe('order.refunded');
    expect(event.event_name).toBe('order.refunded');
    expect(event.body).toEqual({ reason: 'damaged', amount: 10 });
    expect(event).not.toHaveProperty('trace_id');
  });

  it('reads the JSON encoding into the same events as protobuf', () => {
    expect(fromJson).toEqual(fromProtobuf);
  });

  it('reads gzipped protobuf', () => {
    const zipped = gzipSync(bytes(ProtobufLogsSerializer.serializeRequest(records)));
    expect(otlpLogEvents(zipped, 'protobuf', 'gzip')).toEqual(fromProtobuf);
  });

  it('gives events that normalise with the exact nanosecond time and column-safe keys', () => {
    const result = normaliseEvent(fromProtobuf[0]!, { now: 0, newId: () => 'id' });
    expect(result.ok && result.event.timestamp).toBe(1_709_287_200_123_456);
    expect(result.ok && result.event.body.attributes).toMatchObject({ order_id: 'o-1', order_total: 42.5 });
  });
});

describe('otlpLogEvents with the OTLP/JSON example', () => {
  const [event] = otlpLogEvents(Buffer.from(JSON.stringify(otlpJsonExample('x'))), 'json', undefined) as JsonObject[];

  it('reads every AnyValue kind', () => {
    expect(event!.attributes).toEqual({
      'string.attribute': 'some string',
      'boolean.attribute': true,
      'int.attribute': 10,
      'double.attribute': 637.704,
      'array.attribute': ['many', 'values'],
      'map.attribute': { 'some.map.key': 'some value' },
    });
    expect(event!.resource).toEqual({ 'service.name': 'my.service' });
    expect(event!.scope).toEqual({
      name: 'my.library',
      version: '1.0.0',
      attributes: { 'my.scope.attribute': 'some scope attribute' },
    });
  });

  it('lowercases hex ids and keeps the string body as the message', () => {
    expect(event!.trace_id).toBe('5b8efff798038103d269b633813fc60c');
    expect(event!.span_id).toBe('eee19b7ec3c1b174');
    expect(event!.message).toBe('Example log record x');
    expect(event!.timestamp).toBe('1544712660300000000');
  });

  it('keeps unsafe integers as text, drops NaN, and falls back to the observed time', () => {
    const request = otlpJsonExample('y', '0') as { resourceLogs: [{ scopeLogs: [{ logRecords: [JsonObject] }] }] };
    const record = request.resourceLogs[0].scopeLogs[0].logRecords[0];
    record.observedTimeUnixNano = '1544712661000000000';
    record.attributes = [
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: '', value: { stringValue: 'nameless' } },
    ];
    const [read] = otlpLogEvents(Buffer.from(JSON.stringify(request)), 'json', undefined) as JsonObject[];
    expect(read!.attributes).toEqual({ big: '9007199254740993', nan: null });
    expect(read!.timestamp).toBe('1544712661000000000');
  });

  it('reads a record with nothing in it as an event with an empty message', () => {
    const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] };
    expect(otlpLogEvents(Buffer.from(JSON.stringify(request)), 'json', undefined)).toEqual([{ message: '' }]);
  });

  it('has no events for an empty request', () => {
    expect(otlpLogEvents(Buffer.from('{}'), 'json', undefined)).toEqual([]);
    expect(otlpLogEvents(Buffer.alloc(0), 'protobuf', undefined)).toEqual([]);
  });
});

describe('malformed OTLP requests', () => {
  const valid = bytes(ProtobufLogsSerializer.serializeRequest(sdkLogRecords()));
  const json = (value: unknown) => () => otlpLogEvents(Buffer.from(JSON.stringify(value)), 'json', undefined);
  const badRequest = expect.objectContaining({ status: 400 });

  it('refuses truncated protobuf, broken gzip and broken JSON with 400', () => {
    expect(() => otlpLogEvents(valid.subarray(0, valid.length - 5), 'protobuf', undefined)).toThrow(badRequest);
    expect(() => otlpLogEvents(valid, 'protobuf', 'gzip')).toThrow(badRequest);
    expect(() => otlpLogEvents(Buffer.from('{"resourceLogs":['), 'json', undefined)).toThrow(badRequest);
  });

  it('refuses structures that are not an ExportLogsServiceRequest with 400', () => {
    expect(json([{ resourceLogs: [] }])).toThrow(badRequest);
    expect(json({ resourceLogs: {} })).toThrow(badRequest);
    expect(json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 'soon' }] }] }] })).toThrow(badRequest);
  });

  it('refuses values that are not AnyValues and ids of the wrong size, naming where', () => {
    const record = (fields: JsonObject) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [fields] }] }] });
    expect(json(record({ attributes: [{ key: 'a', value: 'plain' }] }))).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringContaining('logRecords[0].attributes[0].value') }),
    );
    expect(json(record({ body: { intValue: 'ten' } }))).toThrow(badRequest);
    expect(json(record({ traceId: 'abc' }))).toThrow(expect.objectContaining({ message: expect.stringContaining('traceId') }));
  });

  it('refuses nesting deeper than 64 levels', () => {
    let value: JsonObject = { stringValue: 'leaf' };
    for (let i = 0; i < 100; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    expect(json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: value }] }] }] })).toThrow(badRequest);
  });

  it('refuses other content types and encodings with 415', () => {
    expect(otlpEncoding('application/json; charset=utf-8')).toBe('json');
    expect(otlpEncoding('application/x-protobuf')).toBe('protobuf');
    expect(otlpEncoding(undefined)).toBe('protobuf');
    expect(() => otlpEncoding('text/plain')).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => otlpLogEvents(valid, 'protobuf', 'br')).toThrow(expect.objectContaining({ status: 415 }));
  });
});

describe('OTLP answers', () => {
  const rejected = [
    { index: 1, reason: 'Type error! Field `attributes.n` has an unexpected type.' },
    { index: 2, reason: 'Type error! Field `attributes.n` has an unexpected type.' },
  ];

  it('is an empty ExportLogsServiceResponse when every record was accepted', () => {
    const answer = exportAnswer('protobuf', [], 3);
    expect(answer).toMatchObject({ status: 200, contentType: 'application/x-protobuf' });
    expect(answer.body).toHaveLength(0);
    expect(exportAnswer('json', [], 3).body).toBe('{}');
  });

  it('reports rejected records as a partial success, readable by the SDK', () => {
    const protobuf = exportAnswer('protobuf', rejected, 3);
    const read = ProtobufLogsSerializer.deserializeResponse(protobuf.body as Uint8Array);
    expect(Number(read.partialSuccess?.rejectedLogRecords)).toBe(2);
    expect(read.partialSuccess?.errorMessage).toBe(
      '2 of 3 log records were rejected: Type error! Field `attributes.n` has an unexpected type.',
    );
    const json = JSON.parse(exportAnswer('json', rejected, 3).body as string);
    expect(json).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: read.partialSuccess?.errorMessage } });
  });

  it('answers failures with a google.rpc.Status in the request encoding', () => {
    const message = 'A valid API key or access token is required.';
    const protobuf = failureAnswer('protobuf', 401, message);
    const text = Buffer.from(message);
    expect(Buffer.from(protobuf.body as Uint8Array)).toEqual(Buffer.concat([Buffer.from([0x08, 16, 0x12, text.length]), text]));
    expect(protobuf).toMatchObject({ status: 401, contentType: 'application/x-protobuf' });
    expect(JSON.parse(failureAnswer('json', 429, 'slow down').body as string)).toEqual({ code: 8, message: 'slow down' });
    expect(JSON.parse(failureAnswer('json', 400, 'bad').body as string).code).toBe(3);
    expect(JSON.parse(failureAnswer('json', 503, 'busy').body as string).code).toBe(14);
  });
});
