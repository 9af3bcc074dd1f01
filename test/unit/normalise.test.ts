import { describe, expect, it } from 'vitest';
import type { JsonValue, LogEvent } from '../../shared/events/model.ts';
import { normaliseEvent } from '../../shared/events/normalise.ts';

const NOW_MS = Date.UTC(2026, 10, 1, 12, 0, 0);

function context() {
  let next = 0;
  return { now: NOW_MS, newId: () => `generated-${++next}` };
}

function accept(raw: JsonValue): LogEvent {
  const result = normaliseEvent(raw, context());
  if (!result.ok) throw new Error(`expected the event to be accepted, got: ${result.reason}`);
  return result.event;
}

function reject(raw: JsonValue): string {
  const result = normaliseEvent(raw, context());
  if (result.ok) throw new Error(`expected the event to be rejected, got ${JSON.stringify(result.event)}`);
  return result.reason;
}

/** An object nested `levels` deep under `metadata`: {metadata: {l2: {l3: … {leaf: 1}}}}. */
function nested(levels: number): JsonValue {
  let value: JsonValue = { leaf: 1 };
  for (let level = levels; level >= 2; level--) value = { [`l${level}`]: value };
  return { metadata: value };
}

describe('normaliseEvent: the event itself', () => {
  it.each([[[]], ['a string'], [42], [null], [true]])('rejects %j: an event must be a JSON object', (raw) => {
    expect(reject(raw as JsonValue)).toBe('Event must be a JSON object.');
  });

  it('accepts an empty object, with a new id, the ingest time and an empty message', () => {
    expect(accept({})).toEqual({ id: 'generated-1', timestamp: NOW_MS * 1000, event_message: '', body: {} });
  });
});

describe('normaliseEvent: event_message', () => {
  it('takes `message` first, then `event_message`, then `log_entry`', () => {
    expect(accept({ message: 'm', event_message: 'e', log_entry: 'l' }).event_message).toBe('m');
    expect(accept({ event_message: 'e', log_entry: 'l' }).event_message).toBe('e');
    expect(accept({ log_entry: 'l' }).event_message).toBe('l');
  });

  it('skips a null candidate', () => {
    expect(accept({ message: null, event_message: 'e' }).event_message).toBe('e');
  });

  it('removes all three keys from the body', () => {
    expect(accept({ message: 'm', event_message: 'e', log_entry: 'l', level: 'info' }).body).toEqual({ level: 'info' });
  });

  it('stores a non-string message as its JSON text', () => {
    expect(accept({ message: 42 }).event_message).toBe('42');
    expect(accept({ message: false }).event_message).toBe('false');
    expect(accept({ message: { a: [1, 'b'] } }).event_message).toBe('{"a":[1,"b"]}');
  });

  it('rejects a non-string message too deeply nested to write as JSON, instead of throwing', () => {
    let message: JsonValue = 1;
    for (let level = 0; level < 100_000; level++) message = [message];
    expect(reject({ message })).toBe('The event message is nested too deep to store.');
  });

  it('keeps an empty message and NUL characters as they are', () => {
    expect(accept({ message: '' }).event_message).toBe('');
    expect(accept({ message: 'a\u0000b' }).event_message).toBe('a\u0000b');
  });
});

describe('normaliseEvent: id', () => {
  it('keeps a client id, as string', () => {
    expect(accept({ id: 'abc-123' }).id).toBe('abc-123');
    expect(accept({ id: 42 }).id).toBe('42');
  });

  it('generates an id when the given one is unusable, and never keeps `id` in the body', () => {
    for (const id of ['', null, true, { a: 1 }, [1]] as JsonValue[]) {
      const event = accept({ id, message: 'x' });
      expect(event.id).toBe('generated-1');
      expect(event.body).toEqual({});
    }
  });

  it('asks for a new id per event', () => {
    const ctx = context();
    const ids = [normaliseEvent({}, ctx), normaliseEvent({}, ctx)].map((result) => result.ok && result.event.id);
    expect(ids).toEqual(['generated-1', 'generated-2']);
  });
});

describe('normaliseEvent: timestamp', () => {
  it('parses the given timestamp', () => {
    expect(accept({ timestamp: '2026-11-01T10:00:00.123456Z' }).timestamp).toBe(
      Date.UTC(2026, 10, 1, 10) * 1000 + 123_456,
    );
    expect(accept({ timestamp: 1_793_527_200 }).timestamp).toBe(1_793_527_200_000_000);
  });

  it('falls back to the ingest time when missing or unparseable, and drops the key', () => {
    for (const raw of [{}, { timestamp: 'garbage' }, { timestamp: 12345 }, { timestamp: null }] as JsonValue[]) {
      const event = accept(raw);
      expect(event.timestamp).toBe(NOW_MS * 1000);
      expect(event.body).toEqual({});
    }
  });
});

describe('normaliseEvent: body', () => {
  it('keeps metadata and every other top-level key', () => {
    const body = accept({ message: 'x', metadata: { user: { id: 7 } }, level: 'info', count: 2.5, ok: true }).body;
    expect(body).toEqual({ metadata: { user: { id: 7 } }, level: 'info', count: 2.5, ok: true });
  });

  it('normalises keys at every depth, inside arrays too', () => {
    const body = accept({ 'a b': { '1x': { 'ü': 1 } }, list: [{ 'c.d': 'x' }] }).body;
    expect(body).toEqual({ a_b: { _1x: { _: 1 } }, list: [{ c_d: 'x' }] });
  });

  it('shares nested objects and arrays that need no cleaning, copies those that do, and never changes its input', () => {
    const raw = {
      message: 'x',
      clean: { a: 1, list: [1, 'two', { b: true }], deep: { c: 'd' } },
      dirty: { ok: 1, 'not ok': 2, gone: null, list: [1, null, 2] },
    };
    const before = JSON.stringify(raw);
    const body = accept(raw).body;
    expect(body.clean).toBe(raw.clean);
    expect(body.dirty).not.toBe(raw.dirty);
    expect(body.dirty).toEqual({ ok: 1, not_ok: 2, list: [1, 2] });
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('copies from the first change on, keeping key order and the later of two keys that clash', () => {
    const body = accept({ m: { a: 1, b_c: 2, 'b c': 3, d: '', e: 5 } }).body;
    expect(body).toEqual({ m: { a: 1, b_c: 3, e: 5 } });
    expect(Object.keys(body.m as object)).toEqual(['a', 'b_c', 'e']);
  });

  it('drops null, "", {} and [] values', () => {
    const body = accept({ a: null, b: '', c: {}, d: [], e: 0, f: false, g: 'x' }).body;
    expect(body).toEqual({ e: 0, f: false, g: 'x' });
  });

  it('drops recursively: an object that becomes empty is dropped too', () => {
    const body = accept({ metadata: { a: { b: { c: null, d: '' }, e: [] }, f: 1 }, g: { h: { i: {} } } }).body;
    expect(body).toEqual({ metadata: { f: 1 } });
  });

  it('drops null elements of arrays, and elements that become empty; keeps "" elements', () => {
    const body = accept({ tags: ['a', null, '', 'b'], records: [{ x: null }, {}, { y: 1 }, null], gone: [null, {}] })
      .body;
    expect(body).toEqual({ tags: ['a', '', 'b'], records: [{ y: 1 }] });
  });

  it('keeps NUL characters in string values', () => {
    expect(accept({ metadata: { text: 'a\u0000b\u0000' } }).body).toEqual({ metadata: { text: 'a\u0000b\u0000' } });
  });

  it('replaces lone UTF-16 surrogates with U+FFFD in values, the message and the id; keeps pairs', () => {
    const event = accept({ id: 'id\ud800', message: 'm\udc00', metadata: { s: 'a\ud800b', list: ['\udfff'], ok: '🔥' } });
    expect(event.id).toBe('id\ufffd');
    expect(event.event_message).toBe('m\ufffd');
    expect(event.body).toEqual({ metadata: { s: 'a\ufffdb', list: ['\ufffd'], ok: '🔥' } });
  });

  it('lets the later of two keys that normalise to the same name win', () => {
    expect(accept({ 'a b': 1, a_b: 2 }).body).toEqual({ a_b: 2 });
    expect(accept({ 'a b': 1, a_b: null }).body).toEqual({ a_b: 1 });
  });

  it('prefixes top-level keys that would name a base column in another letter case', () => {
    const body = accept({ ID: 5, Timestamp: 'then', 'event-message': 'x', Message: 'kept' }).body;
    expect(body).toEqual({ _ID: 5, _Timestamp: 'then', _event_message: 'x', Message: 'kept' });
  });

  it('does not rename base-column names below the top level', () => {
    expect(accept({ metadata: { id: 1, timestamp: 2 } }).body).toEqual({ metadata: { id: 1, timestamp: 2 } });
  });

  it('keeps a `__proto__` key as a plain field', () => {
    const body = accept(JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}') as JsonValue).body;
    const metadata = body.metadata as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['__proto__']);
    expect(JSON.stringify(body)).toBe('{"metadata":{"__proto__":{"polluted":true}}}');
  });

  it('does not modify the raw event', () => {
    const raw = { message: 'x', metadata: { a: null, 'b c': [1, null] } };
    const copy = structuredClone(raw);
    accept(raw);
    expect(raw).toEqual(copy);
  });
});

describe('normaliseEvent: what cannot be stored', () => {
  it('accepts 15 levels of nested objects', () => {
    expect(accept(nested(15)).body.metadata).toBeDefined();
  });

  it('rejects 16 levels of nested objects, naming the field', () => {
    expect(reject(nested(16))).toBe(
      'Field `metadata.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13.l14.l15.l16` is nested too deep: ' +
        'at most 15 levels of nested objects can be stored.',
    );
  });

  it('counts objects inside arrays as nesting levels', () => {
    let value: JsonValue = { leaf: 1 };
    for (let level = 0; level < 15; level++) value = { list: [value] };
    expect(accept(value).body.list).toBeDefined();
    expect(reject({ list: [value] })).toMatch(/^Field `(list\.){15}list` is nested too deep/);
  });

  it('does not reject a deep branch that is dropped as empty', () => {
    let value: JsonValue = {};
    for (let level = 0; level < 30; level++) value = { deeper: value };
    expect(accept({ metadata: value, kept: 1 }).body).toEqual({ kept: 1 });
  });

  it('rejects very deep input without exhausting the stack', () => {
    let value: JsonValue = 1;
    for (let level = 0; level < 100_000; level++) value = { a: value };
    expect(reject({ metadata: value })).toMatch(/is nested too deep/);
  });

  it('rejects arrays of arrays, naming the field', () => {
    expect(reject({ metadata: { matrix: [[1, 2]] } })).toBe(
      'Field `metadata.matrix` holds an array of arrays, which cannot be stored; wrap the inner arrays in objects.',
    );
  });

  it('accepts an array of arrays that become empty (they are dropped)', () => {
    expect(accept({ a: [[], [null]], b: 1 }).body).toEqual({ b: 1 });
  });

  it('rejects numbers JSON cannot carry', () => {
    expect(reject({ metadata: { big: Number.POSITIVE_INFINITY } })).toBe(
      'Field `metadata.big` holds a number too large to store.',
    );
  });

  it('names fields in a rejection by their normalised names', () => {
    expect(reject({ 'my field': { 'x-y': [[1]] } })).toMatch(/^Field `my_field\.x_y` holds an array of arrays/);
  });
});
