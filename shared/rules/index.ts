/**
 * The source-rules context's public face: rules that copy matching events of one source into
 * another at ingest (see service.ts), and the HTTP body that creates one.
 */
import { z } from 'zod';

export type { SourceRule } from './model.ts';
export type { NewRule, RuleCopy } from './service.ts';
export { RuleService } from './service.ts';

export const NewRuleBody = z.object({
  source: z.string().min(1),
  sink: z.string().min(1),
  lql_string: z.string().trim().min(1, 'must not be empty').max(10_000),
});
