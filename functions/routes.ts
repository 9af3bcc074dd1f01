/**
 * Which routes each function serves. On GCP each entry is one deployed function (one
 * functions-framework target); the local twin serves all but the sink, whose tasks it delivers
 * in-process.
 */
import type { RouteSet } from './http/app.ts';
import { ingestRoutes } from './ingest/routes.ts';
import { integrationRoutes } from './ingest/integrations.ts';
import { sinkRoutes } from './sink/routes.ts';
import { accountRoutes } from './api/account.ts';
import { sourceRoutes } from './api/sources.ts';
import { eventRoutes } from './api/events.ts';
import { queryRoutes } from './api/query.ts';
import { endpointRoutes } from './api/endpoints.ts';
import { ruleRoutes } from './api/rules.ts';
import { adminRoutes } from './admin/routes.ts';
import { billingApiRoutes } from './api/billing.ts';
import { billingRoutes } from './billing/routes.ts';
import { webRoutes } from './web/routes.ts';

export const FUNCTIONS = {
  ingest: [ingestRoutes, integrationRoutes],
  sink: [sinkRoutes],
  api: [accountRoutes, sourceRoutes, eventRoutes, billingApiRoutes, queryRoutes, endpointRoutes, ruleRoutes],
  admin: [adminRoutes],
  billing: [billingRoutes],
  web: [webRoutes],
} satisfies Record<string, RouteSet[]>;

export type FunctionName = keyof typeof FUNCTIONS;

export const LOCAL_TWIN_ROUTES: RouteSet[] = [
  ...FUNCTIONS.ingest,
  ...FUNCTIONS.api,
  ...FUNCTIONS.admin,
  ...FUNCTIONS.billing,
  ...FUNCTIONS.web,
];
