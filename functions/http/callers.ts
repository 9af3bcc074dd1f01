/**
 * Guards for the functions Google services call: the sink (Cloud Tasks) and the billing report
 * (Cloud Scheduler). Who may call comes from configuration; the caller's OIDC token from
 * `Authorization: Bearer`. Without verifiers (the local twin) no such token is ever accepted.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import { isServiceCaller, requireServiceCaller, type ExpectedCaller } from '../../shared/accounts/service-callers.ts';
import { operatorOnly } from '../admin/routes.ts';
import type { KindlingEnv } from './app.ts';
import { presentedSecret } from './request.ts';

function expected(audience: string | undefined, email: string | undefined): ExpectedCaller | null {
  return audience && email ? { audience, email } : null;
}

/** Cloud Tasks, with the token it mints for the sink's URL as the queue's service account; nobody else. */
export function cloudTasksOnly(ctx: AppContext): MiddlewareHandler<KindlingEnv> {
  const caller = expected(ctx.config.SINK_URL, ctx.config.TASKS_SERVICE_ACCOUNT);
  return async (c, next) => {
    await requireServiceCaller(ctx.verifiers?.serviceCallers ?? null, presentedSecret(c), caller);
    await next();
  };
}

/** Cloud Scheduler's job (its token for the billing function's URL), or the operator token. */
export function schedulerOrOperator(ctx: AppContext): MiddlewareHandler<KindlingEnv> {
  const caller = expected(ctx.config.BILLING_URL, ctx.config.SCHEDULER_SERVICE_ACCOUNT);
  const operator = operatorOnly(ctx);
  return async (c, next) => {
    if (await isServiceCaller(ctx.verifiers?.serviceCallers ?? null, presentedSecret(c), caller)) {
      await next();
      return;
    }
    await operator(c, next);
  };
}
