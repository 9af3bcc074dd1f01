/**
 * How to send events to a source: a curl command and a pino-logflare transport, ready to paste.
 * The key stays out of the page: the snippets read it from KINDLING_API_KEY.
 */
import type { Source } from '../api-types.ts';
import { CodeBlock } from './copy-button.tsx';

export function IngestSnippet({ source }: { source: Pick<Source, 'id' | 'name'> }) {
  const base = location.origin;
  const curl = [
    `curl -X POST "${base}/logs?source=${source.id}" \\`,
    `  -H "x-api-key: $KINDLING_API_KEY" -H 'content-type: application/json' \\`,
    `  -d '{"message":"hello from curl","metadata":{"level":"info"}}'`,
  ].join('\n');
  const pino = [
    `// npm install pino pino-logflare`,
    `const pino = require('pino')`,
    `const transport = pino.transport({`,
    `  target: 'pino-logflare',`,
    `  options: {`,
    `    apiKey: process.env.KINDLING_API_KEY,`,
    `    sourceToken: '${source.id}',`,
    `    apiBaseUrl: '${base}',`,
    `  },`,
    `})`,
    `const logger = pino(transport)`,
    `logger.info({ user: { id: 42 } }, 'hello from pino')`,
  ].join('\n');
  return (
    <section class="snippets" aria-label={`Send events to ${source.name}`}>
      <p class="muted">
        Set <code>KINDLING_API_KEY</code> to a key with the <code>ingest</code> scope (create one on the Keys page).
      </p>
      <CodeBlock code={curl} label="curl" />
      <CodeBlock code={pino} label="pino-logflare" />
    </section>
  );
}
