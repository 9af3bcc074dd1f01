/**
 * Field paths as LQL writes them: dotted identifiers, with `m.` short for `metadata.`.
 * Only paths made of these identifiers ever reach SQL (as JSON paths or column names).
 */

/** The source of a path regex, for embedding in other patterns. */
export const PATH_SOURCE = '[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*';

/** `m.a.b` → `metadata.a.b`; any other path is already full. */
export const expandPath = (path: string): string => (path.startsWith('m.') ? `metadata.${path.slice(2)}` : path);
