/**
 * Gives each function its request body untouched. functions-framework puts body-parser in front
 * of every function (JSON, text, urlencoded, then raw for any type, each up to 1 GB and gunzipping
 * as it reads), so on GCP a malformed JSON body got body-parser's HTML 400 instead of Kindling's
 * JSON error, and a gzip bomb was inflated up to 1 GB before Kindling's own 12 MB compressed and
 * 64 MB decompressed checks. Imported by the GCP entry point, which the framework loads before it
 * builds its server, this turns those four parsers into pass-throughs; each function then reads
 * the body as a stream within its own limits, exactly as the local twin does.
 */
import { createRequire } from 'node:module';

type Middleware = (req: unknown, res: unknown, next: () => void) => void;

const require = createRequire(import.meta.url);
/** The one body-parser the framework requires (npm hoists it; a nested copy would not be patched). */
const bodyParser = require('body-parser') as Record<'json' | 'raw' | 'text' | 'urlencoded', (options?: unknown) => Middleware>;

const passThrough = (): Middleware => (_req, _res, next) => next();
for (const parser of ['json', 'raw', 'text', 'urlencoded'] as const) bodyParser[parser] = passThrough;
