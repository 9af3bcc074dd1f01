/**
 * Growing a BigQuery table's schema to cover a source schema. BigQuery lets a schema only gain
 * NULLABLE or REPEATED fields (top-level or inside RECORDs) and never change a type, so the
 * merge keeps every existing field exactly as the table has it and appends what is missing.
 */
import type { SchemaField } from '../../events/model.ts';

/** A field as BigQuery's REST API describes it (TableFieldSchema); extra properties are kept. */
export interface TableField {
  name: string;
  type: string;
  mode?: string;
  fields?: TableField[];
  [property: string]: unknown;
}

/** The source's fields in BigQuery's shape: a field new to a table can never be REQUIRED. */
export function toTableFields(fields: readonly SchemaField[], forNewColumns = false): TableField[] {
  return fields.map((field) => ({
    name: field.name,
    type: field.type,
    mode: forNewColumns && field.mode === 'REQUIRED' ? 'NULLABLE' : field.mode,
    ...(field.fields ? { fields: toTableFields(field.fields, forNewColumns) } : {}),
  }));
}

/**
 * The table's fields plus those of `wanted` it lacks, and whether anything was added. Names
 * match case-insensitively, as BigQuery's column names do.
 */
export function mergeTableSchema(
  existing: readonly TableField[],
  wanted: readonly SchemaField[],
): { fields: TableField[]; changed: boolean } {
  let changed = false;
  const fields = existing.map((field) => ({ ...field }));
  for (const want of wanted) {
    const index = fields.findIndex((field) => field.name.toLowerCase() === want.name.toLowerCase());
    const have = fields[index];
    if (!have) {
      fields.push(...toTableFields([want], true));
      changed = true;
    } else if (want.fields && have.fields && isRecord(have.type)) {
      const nested = mergeTableSchema(have.fields, want.fields);
      if (nested.changed) {
        fields[index] = { ...have, fields: nested.fields };
        changed = true;
      }
    }
  }
  return { fields, changed };
}

function isRecord(type: string): boolean {
  return type === 'RECORD' || type === 'STRUCT';
}
