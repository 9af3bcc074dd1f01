import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COLUMN_NAME_LENGTH, normaliseKey } from '../../shared/events/keys.ts';

describe('normaliseKey', () => {
  it('keeps names that are already column-safe, returning the same string', () => {
    for (const key of ['level', 'user_id', 'A1', '_private', 'x']) expect(normaliseKey(key)).toBe(key);
  });

  it.each([
    ['a b', 'a_b'],
    ['a.b', 'a_b'],
    ['a-b-c', 'a_b_c'],
    ['ü', '_'],
    ['grüße', 'gr__e'],
    ['@timestamp', '_timestamp'],
    ['a\u0000b', 'a_b'],
    ['日本', '__'],
  ])('replaces each character outside [A-Za-z0-9_]: %j → %s', (key, expected) => {
    expect(normaliseKey(key)).toBe(expected);
  });

  it('turns a character outside the BMP (a surrogate pair) into one underscore', () => {
    expect(normaliseKey('a😀b')).toBe('a_b');
  });

  it('turns a lone surrogate into one underscore', () => {
    expect(normaliseKey('a\ud800b')).toBe('a_b');
  });

  it('prefixes a name starting with a digit', () => {
    expect(normaliseKey('1x')).toBe('_1x');
    expect(normaliseKey('2024')).toBe('_2024');
    expect(normaliseKey('9 lives')).toBe('_9_lives');
  });

  it('makes the empty key a single underscore', () => {
    expect(normaliseKey('')).toBe('_');
  });

  it('prefixes names that start with a prefix BigQuery reserves, in any letter case', () => {
    expect(normaliseKey('_TABLE_SUFFIX')).toBe('__TABLE_SUFFIX');
    expect(normaliseKey('_PARTITIONTIME')).toBe('__PARTITIONTIME');
    expect(normaliseKey('_partitiondate')).toBe('__partitiondate');
    expect(normaliseKey('__ROOT__')).toBe('___ROOT__');
    expect(normaliseKey('_file_name')).toBe('__file_name');
    expect(normaliseKey('_table')).toBe('_table');
  });

  it('truncates names to 300 characters', () => {
    expect(normaliseKey('a'.repeat(301))).toBe('a'.repeat(300));
    expect(normaliseKey('a'.repeat(300))).toBe('a'.repeat(300));
    expect(normaliseKey('9' + 'a'.repeat(400))).toBe('_9' + 'a'.repeat(298));
    expect(normaliseKey('é'.repeat(500))).toHaveLength(MAX_COLUMN_NAME_LENGTH);
  });

  it('always yields a column-safe name, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (key) => {
        const name = normaliseKey(key);
        expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,299}$/);
        expect(normaliseKey(name)).toBe(name);
      }),
    );
  });
});
