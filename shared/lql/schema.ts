/**
 * Resolves a dotted path against a source's columns (BASE_COLUMNS, then the inferred schema).
 * A path may walk into RECORD columns (nested objects) but not through arrays of objects,
 * whose fields neither storage layout can address as one column.
 */
import { BASE_COLUMNS, type SchemaField, type SourceSchema } from '../events/model.ts';
import type { Column } from './bound.ts';

/** The column at `path`, or a message saying why there is none. */
export function resolvePath(path: string, schema: SourceSchema): Column | string {
  const segments = path.split('.');
  let fields: readonly SchemaField[] = [...BASE_COLUMNS, ...schema];
  let field: SchemaField | undefined;
  for (const [depth, segment] of segments.entries()) {
    field = fields.find((f) => f.name === segment);
    if (!field) return `path \`${path}\` not present in source schema`;
    const last = depth === segments.length - 1;
    if (!last && field.type !== 'RECORD') return `path \`${path}\` not present in source schema`;
    if (!last && field.mode === 'REPEATED') {
      const array = segments.slice(0, depth + 1).join('.');
      return `path \`${path}\` goes through \`${array}\`, an array of objects, which LQL cannot address`;
    }
    fields = field.fields ?? [];
  }
  return {
    path: segments,
    name: path,
    type: field!.type,
    repeated: field!.mode === 'REPEATED',
    base: segments.length === 1 && BASE_COLUMNS.some((b) => b.name === path),
  };
}
