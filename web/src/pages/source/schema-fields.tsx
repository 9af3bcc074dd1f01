/**
 * The source's schema as a list of fields; choosing one adds a filter on it to the query
 * (`m.level:` for `metadata.level`), ready for its value.
 */
import type { SchemaPath } from '../../api-types.ts';

/** The LQL spelling of a schema path: `metadata.x` is written `m.x`. */
export function lqlPath(path: string): string {
  return path.startsWith('metadata.') ? `m.${path.slice('metadata.'.length)}` : path;
}

const HIDDEN = new Set(['id', 'timestamp']);

export function SchemaFields({ paths, onPick }: { paths: SchemaPath[]; onPick: (filter: string) => void }) {
  const fields = paths.filter((field) => field.type !== 'RECORD' && !HIDDEN.has(field.path));
  return (
    <nav class="schema" aria-labelledby="schema-title">
      <h2 id="schema-title">Fields</h2>
      {fields.length === 0 ? <p class="muted">No fields yet: they appear as events arrive.</p> : null}
      <ul>
        {fields.map((field) => (
          <li key={field.path}>
            <button
              type="button"
              class="field"
              onClick={() => onPick(`${lqlPath(field.path)}:`)}
              title={`Filter on ${field.path}`}
            >
              <span class="field-path">{lqlPath(field.path)}</span>
              <span class="field-type">
                {field.type.toLowerCase()}
                {field.mode === 'REPEATED' ? '[]' : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
