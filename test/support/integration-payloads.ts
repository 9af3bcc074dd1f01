/**
 * Realistic platform payloads for the integration tests, built from the platforms' published
 * schemas and examples: Cloudflare Logpush http_requests fields, the Logflare Cloudflare Worker
 * app's batch, Vercel's log drain reference, and the OTLP/JSON example of opentelemetry-proto.
 * Each builder takes a tag so that tests sharing a twin never share ids or values.
 */

/** Nanoseconds since the epoch, a minute ago, as Logpush's unixnano digits. */
export function recentUnixNano(): string {
  return `${Math.floor(Date.now() / 1000) - 60}123456789`;
}

/** One Logpush http_requests record (default `timestamps=unixnano`), as one NDJSON line. */
export function logpushLine(
  tag: string,
  overrides: Record<string, string | number | boolean> = {},
  edgeStart = recentUnixNano(),
): string {
  const record = {
    BotScore: 30,
    CacheCacheStatus: 'dynamic',
    ClientASN: 13335,
    ClientCountry: 'us',
    ClientDeviceType: 'desktop',
    ClientIP: '203.0.113.7',
    ClientRequestBytes: 2045,
    ClientRequestHost: 'www.example.com',
    ClientRequestMethod: 'GET',
    ClientRequestPath: `/blog/${tag}`,
    ClientRequestProtocol: 'HTTP/2',
    ClientRequestReferer: 'https://www.example.com/',
    ClientRequestScheme: 'https',
    ClientRequestURI: `/blog/${tag}?ref=home`,
    ClientRequestUserAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
    ClientSSLProtocol: 'TLSv1.3',
    EdgeColoCode: 'SJC',
    EdgeResponseBytes: 18733,
    EdgeResponseContentType: 'text/html',
    EdgeResponseStatus: 200,
    OriginResponseStatus: 200,
    RayID: `7c5b2a1f3e4d${tag.slice(0, 4)}`,
    WorkerSubrequest: false,
    ...overrides,
  };
  // EdgeStartTimestamp is written as Cloudflare writes it: 19 bare digits.
  return JSON.stringify(record).replace(/}$/, `,"EdgeStartTimestamp":${edgeStart}}`);
}

/** A Logflare Cloudflare Worker app batch (`workers/worker.js` of Logflare/cloudflare-app). */
export function workerBatch(source: string, tag: string): { batch: unknown[]; source: string } {
  const event = (path: string, status: number) => ({
    source,
    message: `GET | https://www.example.com${path} | ${status} | 198.51.100.4`,
    timestamp: new Date(Date.now() - 1000).toISOString(),
    metadata: {
      response: { headers: { content_type: 'text/html; charset=utf-8', cf_cache_status: 'HIT' }, origin_time: 41, status_code: status },
      request: {
        url: `https://www.example.com${path}`,
        method: 'GET',
        headers: { cf_connecting_ip: '198.51.100.4', user_agent: 'curl/8.4.0', cf_ray: '7c5b2a1f3e4d9a01-SJC' },
        cf: { asn: 15169, colo: 'SJC', country: 'US', tlsVersion: 'TLSv1.3' },
      },
      logflare_cf_app: { version: '1.2.0', worker_id: 'RXJD9X' },
    },
  });
  return { batch: [event(`/${tag}/a`, 200), event(`/${tag}/b`, 404)], source };
}

/** Vercel log drain entries (JSON delivery): a build line, a lambda invocation, a static hit. */
export function vercelEntries(tag: string): Record<string, unknown>[] {
  const now = Date.now() - 2000;
  const common = {
    projectId: 'QmXGTs7mvAMMC7WW5ebrM33qKG32QK3h4vmQMjmY',
    projectName: 'my-app',
    deploymentId: 'dpl_233NRGRjVZX1caZrXWtz5g1TAksD',
    host: 'my-app-abc123.vercel.app',
    environment: 'production',
  };
  return [
    {
      ...common,
      id: `${tag}-build`,
      message: 'Build Completed in /vercel/output [24s]',
      timestamp: now,
      type: 'stdout',
      source: 'build',
      buildId: 'bld_cotnkcr76',
      entrypoint: 'api/index.js',
      level: 'info',
    },
    {
      ...common,
      id: `${tag}-lambda`,
      message: `2023-11-14T22:13:20.721Z\t643af4e3-975a-4cc7-9e7a-1eda11539d90\tINFO\tuser ${tag} signed in`,
      timestamp: now + 1,
      type: 'stdout',
      source: 'lambda',
      requestId: '894xj-1573817250172-7847d20a4939',
      statusCode: 200,
      path: '/api/login',
      entrypoint: 'api/login.js',
      level: 'info',
      executionRegion: 'iad1',
      proxy: {
        timestamp: now,
        method: 'POST',
        scheme: 'https',
        host: 'my-app.vercel.app',
        path: '/api/login',
        userAgent: ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15'],
        referer: 'https://my-app.vercel.app/login',
        region: 'iad1',
        statusCode: 200,
        clientIp: '120.75.16.101',
        vercelCache: 'MISS',
      },
    },
    {
      ...common,
      id: `${tag}-static`,
      timestamp: now + 2,
      source: 'static',
      requestId: '643af4e3-975a-4cc7-9e7a-1eda11539d90',
      statusCode: 304,
      path: '/favicon.ico',
      proxy: {
        timestamp: now + 2,
        method: 'GET',
        scheme: 'https',
        host: 'my-app.vercel.app',
        path: '/favicon.ico',
        userAgent: ['Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0'],
        region: 'sfo1',
        statusCode: 304,
        clientIp: '120.75.16.102',
        vercelCache: 'HIT',
      },
    },
  ];
}

/** The OTLP/JSON logs example of opentelemetry-proto (examples/logs.json), with a tag in its body. */
export function otlpJsonExample(tag: string, timeUnixNano = '1544712660300000000'): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'my.service' } }] },
        scopeLogs: [
          {
            scope: {
              name: 'my.library',
              version: '1.0.0',
              attributes: [{ key: 'my.scope.attribute', value: { stringValue: 'some scope attribute' } }],
            },
            logRecords: [
              {
                timeUnixNano,
                observedTimeUnixNano: timeUnixNano,
                severityNumber: 10,
                severityText: 'Information',
                traceId: '5B8EFFF798038103D269B633813FC60C',
                spanId: 'EEE19B7EC3C1B174',
                body: { stringValue: `Example log record ${tag}` },
                attributes: [
                  { key: 'string.attribute', value: { stringValue: 'some string' } },
                  { key: 'boolean.attribute', value: { boolValue: true } },
                  { key: 'int.attribute', value: { intValue: '10' } },
                  { key: 'double.attribute', value: { doubleValue: 637.704 } },
                  { key: 'array.attribute', value: { arrayValue: { values: [{ stringValue: 'many' }, { stringValue: 'values' }] } } },
                  { key: 'map.attribute', value: { kvlistValue: { values: [{ key: 'some.map.key', value: { stringValue: 'some value' } }] } } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}
