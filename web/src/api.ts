/**
 * The dashboard's only way to the server: the public REST API, called with the signed-in user's
 * bearer token. Non-2xx answers become `ApiError`s carrying the API's own message; a 401 ends
 * the session, since no later request would succeed either.
 */
import { bearerToken, endSession } from './auth/session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer with the error instead of signing out on 401 (checking a key before keeping it). */
  keepSessionOn401?: boolean;
  /** Use this token instead of the session's. */
  token?: string;
}

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? (await bearerToken());
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path, options.query), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  let payload: unknown = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const problem = (payload ?? {}) as { error?: unknown; message?: unknown };
    const message = typeof problem.message === 'string' ? problem.message : `The server answered ${response.status}.`;
    const error = new ApiError(response.status, typeof problem.error === 'string' ? problem.error : 'error', message);
    if (response.status === 401 && !options.keepSessionOn401) {
      endSession('Your sign-in is no longer accepted. Please sign in again.');
    }
    throw error;
  }
  return payload as T;
}

/** True when the server has no such route at all (a feature this server does not offer yet). */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.message.startsWith('No route');
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof DOMException && error.name === 'AbortError') return 'The request was cancelled.';
  if (error instanceof TypeError) return 'The server cannot be reached. Is it running?';
  return error instanceof Error ? error.message : String(error);
}

/** Lists come back as `{ result: [...] }` or, for sources, as a bare array. */
export function listOf<T>(payload: T[] | { result: T[] }): T[] {
  return Array.isArray(payload) ? payload : payload.result;
}

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';
