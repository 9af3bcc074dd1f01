import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KindlingError } from '../../shared/errors.ts';
import {
  checkEvent,
  flattenSchema,
  inferSchema,
  mergeSchema,
  normaliseEvent,
  typeErrorMessage,
} from '../../shared/events/index.ts';
import type { JsonObject, JsonValue, SchemaField, SourceSchema } from '../../shared/events/model.ts';

const str = (name: string): SchemaField => ({ name, type: 'STRING', mode: 'NULLABLE' });
const int = (name: string): SchemaField => ({ name, type: 'INTEGER', mode: 'NULLABLE' });
const float = (name: string): SchemaField => ({ name, type: 'FLOAT', mode: 'NULLABLE' });
const record = (name: string, fields: SchemaField[], mode: SchemaField['mode'] = 'NULLABLE'): SchemaField => ({
  name,
  type: 'RECORD',
  mode,
  fields,
});

const USER_SCHEMA: SourceSchema = [
  str('level'),
  record('metadata', [record('user', [int('id'), str('name')]), float('latency')]),
];

describe('inferSchema', () => {
  it('types scalars in BigQuery vocabulary', () => {
    expect(inferSchema({ s: 'x', i: 3, f: 2.5, b: false, neg: -7 })).toEqual([
      str('s'),
      int('i'),
      float('f'),
      { name: 'b', type: 'BOOLEAN', mode: 'NULLABLE' },
      int('neg'),
    ]);
  });

  it('types integers beyond INT64 as FLOAT', () => {
    expect(inferSchema({ big: 1e19, edge: 2 ** 62 })).toEqual([float('big'), int('edge')]);
  });

  it('types objects as nullable records with nested fields', () => {
    expect(inferSchema({ metadata: { user: { id: 1, name: 'a' } } })).toEqual([
      record('metadata', [record('user', [int('id'), str('name')])]),
    ]);
  });

  it('types arrays as REPEATED of their element type', () => {
    expect(inferSchema({ tags: ['a', 'b'], ns: [1, 2] })).toEqual([
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'ns', type: 'INTEGER', mode: 'REPEATED' },
    ]);
  });

  it('widens arrays mixing integers and floats to FLOAT', () => {
    expect(inferSchema({ xs: [1, 2.5, 3] })).toEqual([{ name: 'xs', type: 'FLOAT', mode: 'REPEATED' }]);
  });

  it('merges the fields of all records of an array, widening integers to floats', () => {
    expect(inferSchema({ spans: [{ a: 1 }, { b: 'x' }, { a: 1.5, c: { d: true } }] })).toEqual([
      record(
        'spans',
        [float('a'), str('b'), record('c', [{ name: 'd', type: 'BOOLEAN', mode: 'NULLABLE' }])],
        'REPEATED',
      ),
    ]);
  });

  it('adds no field for values without a type', () => {
    expect(inferSchema({ a: null, b: [], c: {}, d: [null], e: [{}], f: 1 })).toEqual([int('f')]);
  });

  it('throws a 400 with the type error for arrays mixing types', () => {
    expect(() => inferSchema({ metadata: { xs: [1, 'a'] } })).toThrow(
      new KindlingError(400, 'bad_request', typeErrorMessage('metadata.xs'), { path: 'metadata.xs' }),
    );
  });

  it('throws for conflicting fields between records of one array, naming the nested path', () => {
    expect(() => inferSchema({ spans: [{ a: 1 }, { a: 'x' }] })).toThrow(typeErrorMessage('spans.a'));
  });

  it('throws for arrays of arrays', () => {
    expect(() => inferSchema({ m: [[1]] })).toThrow(typeErrorMessage('m'));
  });

  it('throws for two names differing only in letter case', () => {
    expect(() => inferSchema({ metadata: { level: 'a', Level: 'b' } })).toThrow(
      'Field `metadata.Level` differs from field `metadata.level` only in letter case',
    );
  });
});

describe('mergeSchema', () => {
  it('adds new fields after the existing ones, in incoming order', () => {
    const result = mergeSchema([str('a'), int('b')], [str('z'), int('b'), float('c')]);
    expect(result).toEqual({ schema: [str('a'), int('b'), str('z'), float('c')], added: true, conflicts: [] });
  });

  it('merges nested records recursively', () => {
    const incoming = [record('metadata', [record('user', [int('id'), str('email')]), str('region')])];
    const result = mergeSchema(USER_SCHEMA, incoming);
    expect(result.added).toBe(true);
    expect(result.conflicts).toEqual([]);
    expect(result.schema).toEqual([
      str('level'),
      record('metadata', [record('user', [int('id'), str('name'), str('email')]), float('latency'), str('region')]),
    ]);
  });

  it('returns the existing schema itself when nothing is new', () => {
    const result = mergeSchema(USER_SCHEMA, [record('metadata', [record('user', [int('id')])])]);
    expect(result.schema).toBe(USER_SCHEMA);
    expect(result.added).toBe(false);
    expect(result.conflicts).toEqual([]);
  });

  it('accepts an INTEGER into a FLOAT column without change', () => {
    const result = mergeSchema([float('x')], [int('x')]);
    expect(result).toEqual({ schema: [float('x')], added: false, conflicts: [] });
  });

  it('reports a FLOAT into an INTEGER column as a conflict and keeps INTEGER', () => {
    const result = mergeSchema([int('x')], [float('x')]);
    expect(result).toEqual({ schema: [int('x')], added: false, conflicts: ['x'] });
  });

  it('reports conflicts at nested paths and keeps the existing types, still adding new fields', () => {
    const incoming = [record('metadata', [record('user', [str('id')]), str('latency')]), int('extra')];
    const result = mergeSchema(USER_SCHEMA, incoming);
    expect(result.conflicts).toEqual(['metadata.user.id', 'metadata.latency']);
    expect(result.schema).toEqual([...USER_SCHEMA, int('extra')]);
    expect(result.added).toBe(true);
  });

  it('reports a mode difference as a conflict', () => {
    const repeated: SchemaField = { name: 'x', type: 'STRING', mode: 'REPEATED' };
    expect(mergeSchema([str('x')], [repeated]).conflicts).toEqual(['x']);
    expect(mergeSchema([repeated], [str('x')]).conflicts).toEqual(['x']);
    expect(mergeSchema([record('r', [int('a')])], [record('r', [int('a')], 'REPEATED')]).conflicts).toEqual(['r']);
  });

  it('reports a record meeting a scalar as a conflict', () => {
    expect(mergeSchema([record('m', [int('a')])], [str('m')]).conflicts).toEqual(['m']);
  });

  it('merges the fields of repeated records', () => {
    const result = mergeSchema([record('spans', [int('a')], 'REPEATED')], [record('spans', [str('b')], 'REPEATED')]);
    expect(result.schema).toEqual([record('spans', [int('a'), str('b')], 'REPEATED')]);
  });

  it('refuses a new field whose name differs from an existing one only in letter case', () => {
    const result = mergeSchema([record('metadata', [str('level')])], [record('metadata', [str('Level')])]);
    expect(result.conflicts).toEqual(['metadata.Level']);
    expect(result.added).toBe(false);
  });

  it('does not modify its inputs', () => {
    const existing = structuredClone(USER_SCHEMA);
    const incoming = [record('metadata', [record('user', [str('email')])]), int('extra')];
    const incomingCopy = structuredClone(incoming);
    mergeSchema(existing, incoming);
    expect(existing).toEqual(USER_SCHEMA);
    expect(incoming).toEqual(incomingCopy);
  });
});

describe('checkEvent', () => {
  it('says an event fits when every field matches', () => {
    const body = { level: 'info', metadata: { user: { id: 3, name: 'x' }, latency: 1.5 } };
    expect(checkEvent(USER_SCHEMA, body)).toEqual({ status: 'fits' });
  });

  it('accepts integers into FLOAT fields and missing fields', () => {
    expect(checkEvent(USER_SCHEMA, { metadata: { latency: 2 } })).toEqual({ status: 'fits' });
    expect(checkEvent(USER_SCHEMA, {})).toEqual({ status: 'fits' });
  });

  it('reports a conflict with the exact contract message and the dotted path', () => {
    expect(checkEvent(USER_SCHEMA, { metadata: { user: { id: 'abc' } } })).toEqual({
      status: 'conflict',
      path: 'metadata.user.id',
      reason: 'Type error! Field `metadata.user.id` has an unexpected type.',
    });
  });

  it('reports a float into an INTEGER field as a conflict', () => {
    expect(checkEvent(USER_SCHEMA, { metadata: { user: { id: 1.5 } } })).toMatchObject({ path: 'metadata.user.id' });
  });

  it('reports an object where a scalar is expected, and a scalar where a record is expected', () => {
    expect(checkEvent(USER_SCHEMA, { level: { a: 1 } })).toMatchObject({ status: 'conflict', path: 'level' });
    expect(checkEvent(USER_SCHEMA, { metadata: 'flat' })).toMatchObject({ status: 'conflict', path: 'metadata' });
  });

  it('reports arrays into non-repeated fields and scalars into repeated ones', () => {
    const schema: SourceSchema = [{ name: 'tags', type: 'STRING', mode: 'REPEATED' }, str('one')];
    expect(checkEvent(schema, { tags: ['a', 'b'], one: 'x' })).toEqual({ status: 'fits' });
    expect(checkEvent(schema, { tags: 'a' })).toMatchObject({ status: 'conflict', path: 'tags' });
    expect(checkEvent(schema, { one: ['a'] })).toMatchObject({ status: 'conflict', path: 'one' });
    expect(checkEvent(schema, { tags: ['a', 1] })).toMatchObject({ status: 'conflict', path: 'tags' });
  });

  it('checks every record of a repeated record, naming the nested path', () => {
    const schema = [record('spans', [int('ms'), str('name')], 'REPEATED')];
    expect(checkEvent(schema, { spans: [{ ms: 1 }, { name: 'x' }] })).toEqual({ status: 'fits' });
    expect(checkEvent(schema, { spans: [{ ms: 1 }, { ms: 'slow' }] })).toMatchObject({ path: 'spans.ms' });
  });

  it('says an event extends the schema, with the inferred schema of the whole body', () => {
    const body = { level: 'warn', metadata: { user: { id: 1, email: 'a@b' } } };
    const result = checkEvent(USER_SCHEMA, body);
    expect(result).toEqual({ status: 'extends', inferred: inferSchema(body) });
  });

  it('finds a new field inside a repeated record', () => {
    const schema = [record('spans', [int('ms')], 'REPEATED')];
    expect(checkEvent(schema, { spans: [{ ms: 1 }, { ms: 2, extra: true }] }).status).toBe('extends');
  });

  it('still reports a conflict that comes after a new field', () => {
    expect(checkEvent(USER_SCHEMA, { brand_new: 1, level: 7 })).toMatchObject({ status: 'conflict', path: 'level' });
  });

  it('reports conflicts inside new fields (mixed arrays)', () => {
    expect(checkEvent(USER_SCHEMA, { metadata: { fresh: [1, 'a'] } })).toMatchObject({
      status: 'conflict',
      path: 'metadata.fresh',
    });
  });

  it('reports a name that differs from a schema field only in letter case', () => {
    expect(checkEvent(USER_SCHEMA, { Level: 'info' })).toEqual({
      status: 'conflict',
      path: 'Level',
      reason: 'Field `Level` differs from field `level` only in letter case; column names are case-insensitive.',
    });
  });

  it('works against the empty schema', () => {
    expect(checkEvent([], { a: 1 })).toEqual({ status: 'extends', inferred: [int('a')] });
    expect(checkEvent([], {})).toEqual({ status: 'fits' });
  });
});

describe('flattenSchema', () => {
  it('lists records before their fields, with dotted paths', () => {
    const schema = [...USER_SCHEMA, record('spans', [int('ms')], 'REPEATED')];
    expect(flattenSchema(schema)).toEqual([
      { path: 'level', type: 'STRING', mode: 'NULLABLE' },
      { path: 'metadata', type: 'RECORD', mode: 'NULLABLE' },
      { path: 'metadata.user', type: 'RECORD', mode: 'NULLABLE' },
      { path: 'metadata.user.id', type: 'INTEGER', mode: 'NULLABLE' },
      { path: 'metadata.user.name', type: 'STRING', mode: 'NULLABLE' },
      { path: 'metadata.latency', type: 'FLOAT', mode: 'NULLABLE' },
      { path: 'spans', type: 'RECORD', mode: 'REPEATED' },
      { path: 'spans.ms', type: 'INTEGER', mode: 'NULLABLE' },
    ]);
  });

  it('lists nothing for the empty schema', () => {
    expect(flattenSchema([])).toEqual([]);
  });
});

describe('checkEvent and mergeSchema agree', () => {
  const names = fc.constantFrom('a', 'b', 'A', 'c d', 'metadata');
  const scalar = fc.oneof(fc.constantFrom('x', ''), fc.integer(), fc.double({ noNaN: true }), fc.boolean());
  const { value } = fc.letrec<{ value: JsonValue; object: JsonObject }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.constant(null),
      fc.array(scalar, { maxLength: 3 }),
      fc.array(tie('object'), { maxLength: 2 }),
      tie('object'),
    ),
    object: fc.dictionary(names, tie('value'), { maxKeys: 3 }),
  }));
  const bodies = fc.array(fc.dictionary(names, value, { maxKeys: 4 }), { minLength: 1, maxLength: 6 });

  it('grows a schema that every accepted event then fits, and rejects exactly what merge calls a conflict', () => {
    fc.assert(
      fc.property(bodies, (raws) => {
        let schema: SourceSchema = [];
        for (const raw of raws) {
          const normalised = normaliseEvent(raw, { now: 0, newId: () => 'id' });
          if (!normalised.ok) continue;
          const body = normalised.event.body;
          const check = checkEvent(schema, body);
          if (check.status === 'extends') {
            const merged = mergeSchema(schema, check.inferred);
            expect(merged.conflicts).toEqual([]);
            expect(merged.added).toBe(true);
            schema = merged.schema;
            expect(checkEvent(schema, body)).toEqual({ status: 'fits' });
          } else if (check.status === 'fits') {
            const merged = mergeSchema(schema, inferSchema(body));
            expect(merged).toEqual({ schema, added: false, conflicts: [] });
          } else {
            let conflicts: string[];
            try {
              conflicts = mergeSchema(schema, inferSchema(body)).conflicts;
            } catch (error) {
              // The body cannot be typed at all (perhaps elsewhere than check.path).
              expect(error).toBeInstanceOf(KindlingError);
              continue;
            }
            expect(conflicts).toContain(check.path);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
