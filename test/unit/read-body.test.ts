/** Reading a request body within a byte limit: whole when its length is declared, streamed when not. */
import { describe, expect, it } from 'vitest';
import { readBody } from '../../functions/http/request.ts';
import { KindlingError } from '../../shared/errors.ts';

function chunked(parts: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
  return new Request('http://x/logs', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('readBody', () => {
  it('reads a body of declared length whole', async () => {
    const request = new Request('http://x/logs', { method: 'POST', body: 'hello', headers: { 'content-length': '5' } });
    expect((await readBody(request, 10)).toString()).toBe('hello');
  });

  it('refuses a declared length over the limit before reading', async () => {
    const request = new Request('http://x/logs', { method: 'POST', body: 'x', headers: { 'content-length': '11' } });
    await expect(readBody(request, 10)).rejects.toMatchObject({ status: 413 });
  });

  it('streams a body of undeclared length and stops at the limit', async () => {
    const parts = [new Uint8Array(6).fill(97), new Uint8Array(6).fill(98)];
    await expect(readBody(chunked(parts), 10)).rejects.toBeInstanceOf(KindlingError);
    await expect(readBody(chunked(parts), 10)).rejects.toMatchObject({ status: 413 });
    expect((await readBody(chunked(parts), 12)).toString()).toBe('aaaaaabbbbbb');
  });

  it('reads an absent body as empty', async () => {
    expect((await readBody(new Request('http://x/logs', { method: 'POST' }), 10)).length).toBe(0);
  });
});
