/**
 * E2E: OTLP/HTTP logs at `POST /v1/logs` on a started twin, sent by the real OpenTelemetry SDK:
 * a LoggerProvider exporting through @opentelemetry/exporter-logs-otlp-http (OTLP/JSON) and
 * @opentelemetry/exporter-logs-otlp-proto (protobuf, plain and gzipped), read back through the
 * events API with their attributes. Then the answers the OTLP spec requires: partial success for
 * rejected records, Status bodies in the request's encoding for failures, nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SeverityNumber, TraceFlags, trace, type Logger } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { createSource, readAll, startTwin, waitForEvents, type ApiEvent, type Twin } from '../support/twin.ts';
import { otlpJsonExample } from '../support/integration-payloads.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

const newSource = () => createSource(twin, `otlp-${Math.random().toString(36).slice(2)}`);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const SECONDS = Math.floor(Date.now() / 1000) - 120;

/** Emits what an instrumented checkout service logs: a request line, an error, an event. */
function emitCheckoutLogs(logger: Logger): void {
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  logger.emit({
    timestamp: [SECONDS, 123456789],
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'POST /orders 201',
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/orders',
      'http.response.status_code': 201,
      'order.total': 99.5,
      'feature.flags': ['fast-checkout'],
    },
    context,
  });
  logger.emit({
    timestamp: [SECONDS + 1, 0],
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'payment declined',
    attributes: { 'payment.provider': 'acme', 'exception.type': 'CardError', 'exception.message': 'insufficient funds' },
    context,
  });
  logger.emit({ timestamp: [SECONDS + 2, 0], eventName: 'order.shipped', body: { carrier: 'dhl', parcels: 2 } });
}

/** Runs an SDK LoggerProvider whose exporter is `exporter`, and returns every export's result. */
async function exportThroughSdk(exporter: LogRecordExporter): Promise<{ code: number; error?: Error }[]> {
  const results: { code: number; error?: Error }[] = [];
  const recording: LogRecordExporter = {
    export: (logs, done) =>
      exporter.export(logs, (result) => {
        results.push(result);
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.4.2',
      'deployment.environment.name': 'e2e',
    }),
    processors: [new BatchLogRecordProcessor({ exporter: recording })],
  });
  emitCheckoutLogs(provider.getLogger('checkout.http', '0.9.0'));
  await provider.forceFlush();
  await provider.shutdown();
  return results;
}

function expectCheckoutEvents(events: ApiEvent[]): void {
  expect(events).toHaveLength(3);
  const [shipped, declined, created] = events; // newest first
  expect(created).toMatchObject({
    event_message: 'POST /orders 201',
    timestamp: `${new Date(SECONDS * 1000).toISOString().slice(0, 19)}.123456Z`,
    severity_text: 'INFO',
    severity_number: 9,
    trace_id: TRACE_ID,
    span_id: SPAN_ID,
    attributes: {
      http_request_method: 'POST',
      http_route: '/orders',
      http_response_status_code: 201,
      order_total: 99.5,
      feature_flags: ['fast-checkout'],
    },
    resource: { service_name: 'checkout', service_version: '1.4.2', deployment_environment_name: 'e2e' },
    scope: { name: 'checkout.http', version: '0.9.0' },
  });
  expect(declined).toMatchObject({
    event_message: 'payment declined',
    severity_text: 'ERROR',
    severity_number: 17,
    attributes: { payment_provider: 'acme', exception_type: 'CardError', exception_message: 'insufficient funds' },
  });
  expect(shipped).toMatchObject({
    event_message: 'order.shipped',
    event_name: 'order.shipped',
    body: { carrier: 'dhl', parcels: 2 },
  });
  expect(shipped).not.toHaveProperty('trace_id');
}

describe('the OpenTelemetry SDK exporting to /v1/logs', () => {
  it('OTLP/JSON (exporter-logs-otlp-http): events readable with their attributes', async () => {
    const source = await newSource();
    const exporter = new JsonExporter({ url: `${twin.url}/v1/logs`, headers: { 'x-api-key': twin.key, 'x-source': source } });
    const results = await exportThroughSdk(exporter);
    expect(results.map((r) => r.error?.message ?? r.code)).toEqual([0]);
    expectCheckoutEvents(await waitForEvents(twin, source, 3));
  });

  it('protobuf (exporter-logs-otlp-proto), with the source in the URL', async () => {
    const source = await newSource();
    const exporter = new ProtobufExporter({
      url: `${twin.url}/v1/logs?source=${source}`,
      headers: { authorization: `Bearer ${twin.key}` },
    });
    const results = await exportThroughSdk(exporter);
    expect(results.map((r) => r.error?.message ?? r.code)).toEqual([0]);
    expectCheckoutEvents(await waitForEvents(twin, source, 3));
  });

  it('gzipped protobuf', async () => {
    const source = await newSource();
    const compression = 'gzip' as NonNullable<ConstructorParameters<typeof ProtobufExporter>[0]>['compression'];
    const exporter = new ProtobufExporter({
      url: `${twin.url}/v1/logs`,
      compression,
      headers: { 'x-api-key': twin.key, 'x-source': source },
    });
    const results = await exportThroughSdk(exporter);
    expect(results.map((r) => r.error?.message ?? r.code)).toEqual([0]);
    expectCheckoutEvents(await waitForEvents(twin, source, 3));
  });

  it('a failed export is reported to the SDK as a failure', async () => {
    const source = await newSource();
    const exporter = new ProtobufExporter({ url: `${twin.url}/v1/logs`, headers: { 'x-api-key': 'wrong', 'x-source': source } });
    const results = await exportThroughSdk(exporter);
    expect(results.map((r) => r.code)).toEqual([1]);
    expect(await readAll(twin, source)).toEqual([]);
  });
});

function post(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return twin.request('/v1/logs', { method: 'POST', headers, body });
}

type ExampleRequest = { resourceLogs: [{ scopeLogs: [{ logRecords: Record<string, unknown>[] }] }] };

/** The OTLP/JSON example with a recent time, so the events API's default window shows it. */
function recentExample(tag: string): ExampleRequest {
  return otlpJsonExample(tag, `${SECONDS}000000000`) as ExampleRequest;
}

const asJson = (source: string) => ({ 'content-type': 'application/json', 'x-source': source });

describe('OTLP answers', () => {
  it('reports records the schema rejects as a partial success and stores the others', async () => {
    const source = await newSource();
    const request = recentExample('partial');
    const records = request.resourceLogs[0].scopeLogs[0].logRecords;
    const conflicting = [{ key: 'int.attribute', value: { stringValue: 'ten' } }];
    records.push({ ...records[0], body: { stringValue: 'conflicting' }, attributes: conflicting });
    const response = await post(JSON.stringify(request), asJson(source));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const answer = (await response.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/^1 of 2 log records were rejected: .*int_attribute/);
    const [event] = await waitForEvents(twin, source, 1);
    expect(event).toMatchObject({ event_message: 'Example log record partial', attributes: { int_attribute: 10 } });
  });

  it('answers a full success with an empty ExportLogsServiceResponse in the request encoding', async () => {
    const source = await newSource();
    const json = await post(JSON.stringify(recentExample('ok')), asJson(source));
    expect([json.status, await json.text()]).toEqual([200, '{}']);
    const empty = await post(new Uint8Array(0), { 'content-type': 'application/x-protobuf', 'x-source': source });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('application/x-protobuf');
    expect(ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await empty.arrayBuffer()))).toEqual({});
  });

  it('refuses malformed requests with the OTLP status codes and Status bodies, storing nothing', async () => {
    const source = await newSource();
    const protobuf = { 'content-type': 'application/x-protobuf', 'x-source': source };
    const valid = new Uint8Array(ProtobufLogsSerializer.serializeRequest([])!);
    const truncated = await post(Buffer.from([0x0a, 0x20, 0x0a, 0x05]), protobuf);
    expect(truncated.status).toBe(400);
    expect(truncated.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await truncated.arrayBuffer()).byteLength).toBeGreaterThan(2);

    const badJson = await post('{"resourceLogs": [', asJson(source));
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: 3, message: expect.stringContaining('JSON') });

    const wrongShape = await post('{"resourceLogs": {"scopeLogs": 1}}', asJson(source));
    expect([wrongShape.status, ((await wrongShape.json()) as { code: number }).code]).toEqual([400, 3]);

    const unauthorized = await twin.request('/v1/logs', { method: 'POST', key: 'wrong', headers: asJson(source), body: '{}' });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ code: 16 });

    const unauthorizedProtobuf = await twin.request('/v1/logs', { method: 'POST', key: null, headers: protobuf, body: valid });
    expect(unauthorizedProtobuf.status).toBe(401);
    expect(Buffer.from(await unauthorizedProtobuf.arrayBuffer())[1]).toBe(16);

    const unknownSource = await post(valid, { ...protobuf, 'x-source': '00000000-0000-4000-8000-00000000f00d' });
    expect(unknownSource.status).toBe(404);

    const noSource = await post('{}', { 'content-type': 'application/json' });
    expect(noSource.status).toBe(400);

    const plainText = await post('hello', { 'content-type': 'text/plain', 'x-source': source });
    expect(plainText.status).toBe(415);
    expect(await plainText.json()).toMatchObject({ code: 3 });

    const marker = await post(JSON.stringify(recentExample('marker')), asJson(source));
    expect(marker.status).toBe(200);
    await waitForEvents(twin, source, 1);
    expect((await readAll(twin, source)).map((e) => e.event_message)).toEqual(['Example log record marker']);
  });
});
