/** The inline LQL cheat sheet under the search box; each example can be put into the query. */

const EXAMPLES: [string, string][] = [
  ['error', 'the message contains “error”'],
  ['"connection reset"', 'the message contains the phrase'],
  ['~"time(d)? ?out"', 'the message matches a regular expression'],
  ['m.level:error', 'metadata.level equals error'],
  ['m.status:>=500', 'compare: :> :>= :< :<='],
  ['m.latency:0.5..2', 'a range, both ends included'],
  ['-m.user.id:NULL', 'negate any clause with -'],
  ['t:last@15m', 'the last 15 minutes (also t:today, t:2026-11-01..2026-11-05)'],
  ['c:count(*) c:group_by(t::hour)', 'chart events per hour'],
  ['c:avg(m.latency)', 'chart a numeric field (sum, min, max, p95 …)'],
];

export function LqlHelp({ onUse }: { onUse: (clause: string) => void }) {
  return (
    <details class="lql-help">
      <summary>LQL help</summary>
      <p class="muted">
        Clauses are separated by spaces and all must match. <code>m.</code> is short for <code>metadata.</code>;
        times are UTC. Choose an example to add it to the query.
      </p>
      <ul>
        {EXAMPLES.map(([clause, meaning]) => (
          <li key={clause}>
            <button type="button" class="button-link" onClick={() => onUse(clause)}>
              <code>{clause}</code>
            </button>{' '}
            <span class="muted">{meaning}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
