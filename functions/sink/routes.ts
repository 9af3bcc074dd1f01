/**
 * The sink function over HTTP: Cloud Tasks POSTs each task body to the function's URL (`/`;
 * `/sink` too). 2xx acknowledges the task; a 503 makes Cloud Tasks deliver it again with its
 * retry policy. Only Cloud Tasks gets in: its OIDC token for the sink's URL, minted for the
 * queue's service account (TASKS_SERVICE_ACCOUNT); on GCP the function is not publicly
 * invokable either.
 */
import type { AppContext } from '../../shared/context.ts';
import type { KindlingApp } from '../http/app.ts';
import { cloudTasksOnly } from '../http/callers.ts';
import { readBody } from '../http/request.ts';

const MAX_TASK_BODY = 1024 * 1024;

export function sinkRoutes(app: KindlingApp, ctx: AppContext): void {
  app.on('POST', ['/', '/sink'], cloudTasksOnly(ctx), async (c) => {
    const outcome = await ctx.sink.deliver(await readBody(c.req.raw, MAX_TASK_BODY));
    return c.json(outcome, 200);
  });
}
