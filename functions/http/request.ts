/**
 * Reading what a request carries: its body (within a byte limit, checked while it streams in),
 * its API key (by the contract's precedence) and its JSON body against a zod schema.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest, payloadTooLarge } from '../../shared/errors.ts';

export async function readBody(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw payloadTooLarge(`The body is over the ${limit / 1024 / 1024} MB limit.`);
  // A declared length within the limit bounds the read already (the HTTP parser stops there), so
  // the body is read whole: on the local twin that skips building a web stream over the socket.
  if (Number.isInteger(declared) && declared >= 0 && !request.headers.has('transfer-encoding')) {
    return Buffer.from(await request.arrayBuffer());
  }
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(`The body is over the ${limit / 1024 / 1024} MB limit.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The presented key: `Authorization: Bearer`, then `x-api-key`, then `?api_key=`. */
export function presentedSecret(c: Context): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return c.req.header('x-api-key') || c.req.query('api_key') || undefined;
}

const JSON_BODY_LIMIT = 1024 * 1024;

/** A small JSON management body, validated against `schema`. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const body = await readBody(c.req.raw, JSON_BODY_LIMIT);
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('The body is not valid JSON.');
  }
  return schema.parse(parsed);
}
