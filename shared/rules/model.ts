/**
 * Source rules: events ingested into `source_id` that match the rule's LQL filters are also
 * written to `sink_id`, a source of the same account. A copy keeps the event's id, so a sink
 * stores an event once however many rules route it there; copies are never routed again.
 */

export interface SourceRule {
  id: string;
  account_id: string;
  source_id: string;
  sink_id: string;
  /** LQL filters only (no chart or select clauses). */
  lql_string: string;
  created_at: string;
}
