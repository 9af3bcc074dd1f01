/**
 * How every function answers errors: JSON `{ "error": code, "message": text, ...details }` with
 * the status the error carries. Unexpected errors are logged here and reported without
 * internals.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { KindlingError, TransientError } from '../../shared/errors.ts';

export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof KindlingError) {
    const { status, code, message, details } = error;
    return c.json({ error: code, message, ...details }, status as ContentfulStatusCode);
  }
  if (error instanceof ZodError) {
    const problems = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    return c.json({ error: 'bad_request', message: `Invalid request: ${problems.join('; ')}` }, 400);
  }
  if (error instanceof TransientError) {
    console.error(`[kindling] transient failure on ${c.req.method} ${c.req.path}: ${error.message}`);
    return c.json({ error: 'unavailable', message: 'A backing service is busy; try again shortly.' }, 503);
  }
  console.error(`[kindling] unexpected error on ${c.req.method} ${c.req.path}:`, error);
  return c.json({ error: 'internal', message: 'Something went wrong on our side.' }, 500);
}

export function routeNotFound(c: Context): Response {
  return c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.` }, 404);
}
