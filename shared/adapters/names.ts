/**
 * Physical names derived from ids, shared by both backends so that the local twin refuses
 * exactly what Google Cloud would: a source's event table, and a queue task's name.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cloud Tasks' rule for the last segment of a task name. */
const TASK_NAME = /^[A-Za-z0-9_-]{1,500}$/;

/**
 * The table holding a source's events: `events_<uuid hex, lower case>`. The id is checked to be
 * a UUID before it becomes part of an identifier, so a table name can never carry SQL.
 */
export function eventTableName(sourceId: string): string {
  if (!UUID.test(sourceId)) throw new Error(`Source id ${JSON.stringify(sourceId)} is not a UUID.`);
  return `events_${sourceId.replaceAll('-', '').toLowerCase()}`;
}

/** Throws unless `name` is a valid Cloud Tasks task id (letters, digits, `_`, `-`; ≤ 500). */
export function assertTaskName(name: string): void {
  if (!TASK_NAME.test(name)) {
    throw new Error(`Task name ${JSON.stringify(name.slice(0, 80))} must match [A-Za-z0-9_-]{1,500}.`);
  }
}
