/**
 * A source's events as user SQL sees them on the local twin: the same logical table BigQuery
 * has (id, timestamp, event_message and each inferred field as a typed, nested column), built
 * over the twin's four-column layout by typing each top-level field of `body` with
 * json_transform. One expression per top-level field lets DuckDB compute only the fields a
 * query uses. A value that does not fit its field's type reads as NULL, as it would fail to land
 * in BigQuery.
 */
import { BASE_COLUMNS, type SchemaField, type SourceSchema } from '../../events/model.ts';

const DUCKDB_TYPES: Record<Exclude<SchemaField['type'], 'RECORD'>, string> = {
  STRING: 'VARCHAR',
  INTEGER: 'BIGINT',
  FLOAT: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
};

const BASE_NAMES = new Set(BASE_COLUMNS.map((column) => column.name.toLowerCase()));

/** The SELECT over `table` (a name from eventTableName) presenting `schema` as typed columns. */
export function eventRelationSql(table: string, schema: SourceSchema): string {
  const columns = BASE_COLUMNS.map((column) => `"${column.name}"`);
  for (const field of schema) {
    // A body field named like a base column by letter case alone would make two equal columns.
    if (BASE_NAMES.has(field.name.toLowerCase())) continue;
    const structure = JSON.stringify(structureOf(field)).replaceAll("'", "''");
    columns.push(`json_transform("body" -> '$."${field.name}"', '${structure}') AS "${field.name}"`);
  }
  return `SELECT ${columns.join(', ')} FROM "${table}"`;
}

/** json_transform's structure: a type name, an object of fields, or a one-element array. */
type Structure = string | Structure[] | { [name: string]: Structure };

function structureOf(field: SchemaField): Structure {
  const element: Structure =
    field.type === 'RECORD'
      ? Object.fromEntries((field.fields ?? []).map((inner) => [inner.name, structureOf(inner)]))
      : DUCKDB_TYPES[field.type];
  return field.mode === 'REPEATED' ? [element] : element;
}
