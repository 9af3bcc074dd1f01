/**
 * The sink function over HTTP: Cloud Tasks POSTs each task body here. 2xx acknowledges the
 * task; a 503 makes Cloud Tasks deliver it again with its retry policy. On GCP the route is not
 * publicly invokable (only the queue's service account may call it).
 */
import type { AppContext } from '../../shared/context.ts';
import type { KindlingApp } from '../http/app.ts';
import { readBody } from '../http/request.ts';

const MAX_TASK_BODY = 1024 * 1024;

export function sinkRoutes(app: KindlingApp, ctx: AppContext): void {
  app.post('/sink', async (c) => {
    const outcome = await ctx.sink.deliver(await readBody(c.req.raw, MAX_TASK_BODY));
    return c.json(outcome, 200);
  });
}
