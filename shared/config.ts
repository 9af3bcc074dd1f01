/**
 * Configuration, read from the environment once and validated. No other module reads
 * process.env: everything else receives a Config.
 */
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATA_DIR: z.string().default('./.kindling'),
  KINDLING_BACKEND: z.enum(['local', 'gcp']).default('local'),
  BOOTSTRAP_API_KEY: optionalString,
  KINDLING_ADMIN_TOKEN: optionalString,
  /** How long the group commit waits for more events before enqueueing (ms). */
  INGEST_LINGER_MS: z.coerce.number().min(0).max(1000).default(5),
  /** Flush the pending group once it holds this many events. */
  INGEST_FLUSH_EVENTS: z.coerce.number().int().min(1).max(50_000).default(500),
  /**
   * The local twin's DuckDB `memory_limit`: how much its buffer pool (rows not yet checkpointed,
   * cached table blocks, query state) may hold before it spills to DATA_DIR/kindling.duckdb.tmp.
   * See MEMORY_LIMIT in shared/adapters/local/database.ts for the default's measurements.
   */
  DUCKDB_MEMORY_LIMIT: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 128MB or 2GB')
    .optional(),
  /** Compressed size cap of one task body (Cloud Tasks documents 100 KB). */
  TASK_MAX_BYTES: z.coerce.number().int().min(1024).max(1_000_000).default(100_000),
  GCP_PROJECT: optionalString,
  BIGQUERY_DATASET: z.string().default('kindling'),
  BIGQUERY_LOCATION: z.string().default('US'),
  /**
   * How the sink writes events to BigQuery: the Storage Write API's default stream (cheaper per
   * GB, no 1 KB row minimum, first 2 TiB a month free) or the legacy tabledata.insertAll
   * (`insertId` dedupe). See docs/cost.md for the dedupe trade-off.
   */
  BIGQUERY_WRITE_API: z.enum(['storage', 'insertall']).default('storage'),
  /** Only for tests: send BigQuery/Cloud Tasks calls to a local fake. */
  BIGQUERY_API_ENDPOINT: optionalString,
  /** Only for tests: `host:port` of a plaintext gRPC fake of the BigQuery Storage Write API. */
  BIGQUERY_STORAGE_API_ENDPOINT: optionalString,
  TASKS_API_ENDPOINT: optionalString,
  TASKS_LOCATION: z.string().default('us-central1'),
  TASKS_QUEUE: z.string().default('kindling-ingest'),
  /** The sink function's URL, which Cloud Tasks calls; also the OIDC audience. */
  SINK_URL: optionalString,
  /** Service account whose OIDC token Cloud Tasks attaches to sink calls. */
  TASKS_SERVICE_ACCOUNT: optionalString,
  /** The billing function's URL: the audience of Cloud Scheduler's OIDC token. */
  BILLING_URL: optionalString,
  /** Service account whose OIDC token Cloud Scheduler attaches to the daily billing report call. */
  SCHEDULER_SERVICE_ACCOUNT: optionalString,
  /**
   * Set on functions deployed without public access: Cloud Run's invoker check verified the
   * caller's OIDC token and removed its signature, so only its claims are left to check.
   */
  TRUST_CLOUD_RUN_IAM: optionalString.pipe(z.stringbool().default(false)),
  /** Tests only: firebase-admin then accepts unsigned emulator ID tokens. Refused on Cloud Run. */
  FIREBASE_AUTH_EMULATOR_HOST: optionalString,
  /** Set by Cloud Run on every instance. */
  K_SERVICE: optionalString,
  FIRESTORE_DATABASE: z.string().default('(default)'),
  /** Where final usage reports are POSTed (JSON, retried, `Idempotency-Key` = account:period). */
  BILLING_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  /** The Firebase web app's API key (public by design): with it, the dashboard signs in with Firebase Auth. */
  FIREBASE_API_KEY: optionalString,
  /** Firebase Auth's domain for the sign-in popup; defaults to `<GCP_PROJECT>.firebaseapp.com`. */
  FIREBASE_AUTH_DOMAIN: optionalString,
  /** Instance identity for counter shards; Cloud Run sets K_REVISION, we add randomness. */
  K_REVISION: optionalString,
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  if (config.KINDLING_BACKEND === 'gcp' && !config.GCP_PROJECT) {
    throw new Error('Invalid configuration: GCP_PROJECT is required when KINDLING_BACKEND=gcp');
  }
  if (config.FIREBASE_AUTH_EMULATOR_HOST && config.K_SERVICE) {
    throw new Error(
      'Invalid configuration: FIREBASE_AUTH_EMULATOR_HOST makes ID tokens unsigned; it must never be set on Cloud Run',
    );
  }
  return config;
}
