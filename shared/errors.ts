/**
 * The one error family of Kindling. Domain code throws these; the HTTP edge turns them into
 * `{ "error": code, "message": text, ...details }` with the carried status. Anything else that
 * escapes to the edge is an internal error and is reported without its stack or SQL.
 */
export class KindlingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'KindlingError';
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new KindlingError(400, 'bad_request', message, details);

export const unauthorized = (message = 'A valid API key or access token is required.') =>
  new KindlingError(401, 'Unauthorized', message);

export const forbidden = (message: string) => new KindlingError(403, 'forbidden', message);

export const notFound = (what: string) => new KindlingError(404, 'not_found', `${what} was not found.`);

export const conflict = (message: string) => new KindlingError(409, 'conflict', message);

export const payloadTooLarge = (message: string) => new KindlingError(413, 'payload_too_large', message);

export const unsupportedMediaType = (message: string) =>
  new KindlingError(415, 'unsupported_media_type', message);

/**
 * A failure that may pass if the same work is tried again (a 429/503 from a cloud API, a
 * lock conflict). The sink answers these with 503 so that the queue redelivers the task.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
