/**
 * How the SQL sandbox says no: a 400 whose message names what was refused, with that name also
 * under `refused` for clients that want to show it apart.
 */
import { KindlingError } from '../errors.ts';

export function refused(what: string, message: string): KindlingError {
  return new KindlingError(400, 'sql_refused', message, { refused: what });
}
