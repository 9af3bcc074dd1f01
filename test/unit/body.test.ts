import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KindlingError } from '../../shared/errors.ts';
import {
  MAX_BODY_BYTES,
  MAX_DECODED_BYTES,
  MAX_NESTING_DEPTH,
  parseIngestBody,
  parseNdjson,
} from '../../shared/ingest/body.ts';

function parse(body: string | Buffer, contentType: string | undefined = 'application/json', contentEncoding?: string) {
  return parseIngestBody({ body: typeof body === 'string' ? Buffer.from(body) : body, contentType, contentEncoding });
}

/** The KindlingError a call throws (fails the test if it throws nothing or something else). */
function failure(call: () => unknown): KindlingError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(KindlingError);
    return error as KindlingError;
  }
  throw new Error('expected a KindlingError');
}

function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('parseIngestBody: JSON', () => {
  it('reads one event object', () => {
    expect(parse('{"message":"hello","metadata":{"a":1}}')).toEqual([{ message: 'hello', metadata: { a: 1 } }]);
  });

  it('reads a batch', () => {
    expect(parse('{"batch":[{"message":"a"},{"message":"b"}]}')).toEqual([{ message: 'a' }, { message: 'b' }]);
  });

  it('reads a top-level array, leaving non-object elements for normalisation to reject', () => {
    expect(parse('[{"message":"a"}, 3, null]')).toEqual([{ message: 'a' }, 3, null]);
  });

  it('reads empty arrays and batches as no events', () => {
    expect(parse('[]')).toEqual([]);
    expect(parse('{"batch":[]}')).toEqual([]);
  });

  it('rejects a batch that is not an array, naming it', () => {
    const error = failure(() => parse('{"batch":{"message":"a"}}'));
    expect(error.status).toBe(400);
    expect(error.message).toBe('The `batch` field must be an array of events.');
  });

  it.each(['42', '"a string"', 'null', 'true'])('rejects the JSON value %s', (body) => {
    const error = failure(() => parse(body));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/must be a JSON object/);
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    ' application/json ;charset=UTF-8',
    'application/vnd.logs+json',
    '',
    undefined,
  ])('treats Content-Type %j as JSON', (contentType) => {
    expect(parse('{"message":"x"}', contentType)).toEqual([{ message: 'x' }]);
  });

  it('rejects malformed JSON with a short message that does not echo the body', () => {
    const secret = 'x'.repeat(1000) + 'SECRET';
    const error = failure(() => parse(`{"message": "${secret}", oops}`));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^The body is not valid JSON/);
    expect(error.message).not.toContain('SECRET');
    expect(error.message.length).toBeLessThan(100);
  });

  it('says where malformed JSON fails when the parser knows', () => {
    expect(failure(() => parse('{\n"a" 1}')).message).toBe('The body is not valid JSON (line 2, column 5).');
  });

  it('rejects an empty or blank body', () => {
    for (const body of ['', '  \n\t ']) {
      const error = failure(() => parse(body));
      expect(error.status).toBe(400);
      expect(error.message).toBe('The request body is empty.');
    }
  });

  it('accepts 64 levels of nesting and rejects 65', () => {
    expect(MAX_NESTING_DEPTH).toBe(64);
    expect(parse(nestedArrays(64))).toHaveLength(1);
    const error = failure(() => parse(nestedArrays(65)));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/nesting too deep/);
  });

  it('counts nesting inside a batch and inside objects', () => {
    // {"batch": [ …62 objects… ]}: the batch object and its array are levels 1 and 2.
    const deep = '{"a":'.repeat(62) + '1' + '}'.repeat(62);
    expect(parse(`{"batch":[${deep}]}`)).toHaveLength(1);
    expect(failure(() => parse(`{"batch":[{"b":${deep}}]}`)).message).toMatch(/nesting too deep/);
  });

  it('rejects a body nested 5,000 levels deep with a 400, not a crash', () => {
    const body = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const error = failure(() => parse(body));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/nesting too deep/);
  });

  it('parses a batch of 20,000 events', () => {
    const events = Array.from({ length: 20_000 }, (_, i) => ({ message: `event ${i}`, metadata: { i, ok: true } }));
    const parsed = parse(JSON.stringify({ batch: events }));
    expect(parsed).toHaveLength(20_000);
    expect(parsed[19_999]).toEqual(events[19_999]);
  });
});

describe('parseIngestBody: NDJSON', () => {
  it.each(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'Application/X-NDJSON; charset=utf-8'])(
    'reads one event per line for %s',
    (contentType) => {
      expect(parse('{"message":"a"}\n{"message":"b"}\n', contentType)).toEqual([{ message: 'a' }, { message: 'b' }]);
    },
  );

  it('skips blank lines and accepts CRLF line ends', () => {
    expect(parse('\r\n{"message":"a"}\r\n  \r\n{"message":"b"}', 'application/x-ndjson')).toEqual([
      { message: 'a' },
      { message: 'b' },
    ]);
  });

  it('rejects a bad line, naming its number', () => {
    const error = failure(() => parse('{"message":"a"}\n\n{"message": nope}\n', 'application/x-ndjson'));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Line 3 is not valid JSON/);
    expect(error.details).toEqual({ line: 3 });
  });

  it('rejects a body with no events', () => {
    expect(failure(() => parse('\n \n', 'application/x-ndjson')).message).toBe('The request body is empty.');
  });

  it('rejects a line nested too deep, naming its number', () => {
    const error = failure(() => parse(`{"a":1}\n${nestedArrays(5000)}`, 'application/x-ndjson'));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Line 2 has nesting too deep/);
  });

  it('exports the line parser for routes that take text/plain as NDJSON', () => {
    expect(parseNdjson('{"a":1}\n[2]\n')).toEqual([{ a: 1 }, [2]]);
  });
});

describe('parseIngestBody: content types', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x'])(
    'rejects %s with 415 saying what is accepted',
    (contentType) => {
      const error = failure(() => parse('{"message":"x"}', contentType));
      expect(error.status).toBe(415);
      expect(error.message).toContain('application/json');
      expect(error.message).toContain('application/x-ndjson');
    },
  );
});

describe('parseIngestBody: encodings', () => {
  it('gunzips gzip and x-gzip bodies', () => {
    const gzipped = gzipSync('{"batch":[{"message":"a"}]}');
    expect(parse(gzipped, 'application/json', 'gzip')).toEqual([{ message: 'a' }]);
    expect(parse(gzipped, 'application/json', 'X-GZIP')).toEqual([{ message: 'a' }]);
  });

  it('gunzips NDJSON too', () => {
    const gzipped = gzipSync('{"message":"a"}\n{"message":"b"}');
    expect(parse(gzipped, 'application/x-ndjson', 'gzip')).toHaveLength(2);
  });

  it('reads identity or absent encodings as they are', () => {
    expect(parse('{"message":"x"}', 'application/json', 'identity')).toEqual([{ message: 'x' }]);
    expect(parse('{"message":"x"}', 'application/json', '')).toEqual([{ message: 'x' }]);
  });

  it('rejects unknown encodings with 415', () => {
    for (const encoding of ['br', 'deflate', 'zstd']) {
      const error = failure(() => parse('{"message":"x"}', 'application/json', encoding));
      expect(error.status).toBe(415);
      expect(error.message).toContain('gzip');
    }
  });

  it('rejects corrupt gzip with 400', () => {
    const truncated = gzipSync('{"message":"a"}').subarray(0, 12);
    for (const body of [Buffer.from('definitely not gzip'), truncated]) {
      const error = failure(() => parse(body, 'application/json', 'gzip'));
      expect(error.status).toBe(400);
      expect(error.message).toBe('The body is not valid gzip data.');
    }
  });

  it('rejects a gzip bomb (70 MB of zeros in a small body) with 413', () => {
    const bomb = gzipSync(Buffer.alloc(70 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    const error = failure(() => parse(bomb, 'application/json', 'gzip'));
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
  });

  it('exports the size limits', () => {
    expect(MAX_BODY_BYTES).toBe(12 * 1024 * 1024);
    expect(MAX_DECODED_BYTES).toBe(64 * 1024 * 1024);
  });
});

describe('parseIngestBody: text', () => {
  it('rejects invalid UTF-8 with 400, also after gunzip', () => {
    const invalid = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    for (const [body, encoding] of [
      [invalid, undefined],
      [gzipSync(invalid), 'gzip'],
    ] as const) {
      const error = failure(() => parse(body, 'application/json', encoding));
      expect(error.status).toBe(400);
      expect(error.message).toBe('Body is not valid UTF-8.');
    }
  });

  it('reads multi-byte UTF-8 and NUL escapes intact', () => {
    expect(parse('{"message":"grüße 😀","metadata":{"nul":"a\\u0000b"}}')).toEqual([
      { message: 'grüße 😀', metadata: { nul: 'a\u0000b' } },
    ]);
  });

  it('skips a leading byte order mark', () => {
    expect(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"message":"x"}')]))).toEqual([
      { message: 'x' },
    ]);
  });
});
