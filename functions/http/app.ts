/**
 * Builds the HTTP app of one or more functions from the app context. Each function contributes
 * its routes; the local twin mounts them all in one server, GCP deploys each on its own.
 */
import { Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import type { Principal } from '../../shared/accounts/principal.ts';
import { errorResponse, routeNotFound } from './respond.ts';
import { presentedSecret } from './request.ts';

export type KindlingEnv = { Variables: { principal: Principal } };
export type KindlingApp = Hono<KindlingEnv>;
export type RouteSet = (app: KindlingApp, ctx: AppContext) => void;

export function buildApp(ctx: AppContext, routeSets: RouteSet[]): KindlingApp {
  const app: KindlingApp = new Hono<KindlingEnv>();
  app.onError(errorResponse);
  app.notFound(routeNotFound);
  app.get('/health', (c) => c.json({ status: 'ok' }));
  for (const register of routeSets) register(app, ctx);
  return app;
}

/** Resolves the caller's API key to a principal (401 when missing or unknown). */
export function authenticated(ctx: AppContext): MiddlewareHandler<KindlingEnv> {
  return async (c, next) => {
    c.set('principal', await ctx.keys.authenticate(presentedSecret(c)));
    await next();
  };
}
