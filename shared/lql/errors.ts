/**
 * LQL's errors: all are 400s whose message names the clause at fault, so that a user with a
 * long query sees which part to fix. The clause also travels in the error's details.
 */
import { badRequest, type KindlingError } from '../errors.ts';

export const clauseError = (clause: string, message: string): KindlingError =>
  badRequest(`Error in LQL clause \`${clause}\`: ${message}`, { clause });

export const queryError = (message: string): KindlingError => badRequest(`Invalid LQL query: ${message}`);
