// The typed configuration: defaults < TOML file < environment < flags. The seed's key names
// are the public contract ([storage] object_store_url, aws_endpoint, ...); every key can also
// be given as FLOE_<KEY>. Invalid values name the key, where it came from and what is allowed.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { isoDurationMs } from '../util/index.js';

/**
 * A location URL (storage root, warehouse): a plain or relative path is the usual slip, so it
 * gets the file:/// form to use instead. The scheme itself is checked where the URL is opened.
 */
const locationUrl = z.string().min(1).superRefine((value, ctx) => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
    const file = /^file:\/\/([^/].*)$/i.exec(value.trim());
    if (file) ctx.addIssue({ code: 'custom', message: `file:// needs an absolute path (three slashes): file:///${file[1]} rather than ${value}` });
    return;
  }
  const path = isAbsolute(value) ? value : resolve(value);
  ctx.addIssue({
    code: 'custom',
    message: `${JSON.stringify(value)} is ${isAbsolute(value) ? 'a path' : 'a relative path'}, not a URL: use file://${path}`,
  });
});

const isoDuration = z.string().superRefine((value, ctx) => {
  const ms = isoDurationMs(value);
  if (ms === undefined || ms <= 0) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a positive ISO-8601 duration` });
});

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
/** below Kubernetes' default 30 s termination grace, so we exit before being killed */
export const SHUTDOWN_TIMEOUT_MS_DEFAULT = 20_000;

export const storageSchema = z.object({
  object_store_url: locationUrl,
  aws_region: z.string().min(1).optional(),
  aws_endpoint: z.string().url().optional(),
  aws_allow_http: z.boolean().default(false),
  azure_storage_account: z.string().min(1).optional(),
  /** blob service URL override (azurite, sovereign clouds), e.g. http://127.0.0.1:10000/devstoreaccount1 */
  azure_endpoint: z.string().url().optional(),
  /** GCS JSON API endpoint override (fakes, emulators); used without authentication */
  gcs_endpoint: z.string().url().optional(),
  /**
   * the S3 / GCS endpoint engines are told (`s3.endpoint`, `gcs.service.host`) when they reach
   * the store under another name than Floe does (docker compose: http://minio:9000 inside,
   * http://127.0.0.1:9000 on the host); defaults to aws_endpoint / gcs_endpoint
   */
  engine_endpoint: z.string().url().optional(),
  s3_multipart_threshold_mb: z.number().int().min(5).max(5120).default(8),
  s3_multipart_chunk_size_mb: z.number().int().min(5).max(5120).default(8),
  s3_max_concurrent_requests: z.number().int().min(1).max(10_000).default(100),
  // bucket-side encryption of every object Floe writes (catalog store and warehouse)
  /** S3 ServerSideEncryption: AES256 (SSE-S3), aws:kms (SSE-KMS), aws:kms:dsse */
  aws_server_side_encryption: z.enum(['AES256', 'aws:kms', 'aws:kms:dsse']).optional(),
  /** SSE-KMS key id or ARN (with aws:kms / aws:kms:dsse) */
  aws_sse_kms_key_id: z.string().min(1).max(2048).optional(),
  /** GCS customer-managed key: projects/P/locations/L/keyRings/R/cryptoKeys/K */
  gcs_kms_key_name: z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/).optional(),
  /** Azure encryption scope applied to every blob written */
  azure_encryption_scope: z.string().regex(/^[A-Za-z0-9]{3,63}$/).optional(),
});

export const serverSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8181),
  warehouse: locationUrl.optional(),
  /**
   * comma-separated prefixes outside the warehouse where tables may live and register may
   * read (another bucket, a shared directory); everything else is refused
   */
  allowed_locations: z.string().optional(),
  /** Host names answered besides loopback ones when bound to loopback (DNS rebinding), comma-separated */
  allowed_hosts: z.string().regex(/^[A-Za-z0-9.\-\[\]:,\s]*$/).optional(),
  /** PEM certificate chain file: with tls_key, serve HTTPS (both re-read on SIGHUP) */
  tls_cert: z.string().min(1).optional(),
  /** PEM private key file of tls_cert (never printed) */
  tls_key: z.string().min(1).optional(),
  log_level: z.enum(LOG_LEVELS).default('info'),
  /** absent: pretty on a terminal, JSON otherwise (decided where stdout is known) */
  log_format: z.enum(LOG_FORMATS).optional(),
  /** a second listener with /health, /ready and /metrics only (kept off the public port) */
  admin_port: z.number().int().min(0).max(65535).optional(),
  /** after SIGTERM, how long in-flight requests may take before their connections are closed */
  shutdown_timeout_ms: z.number().int().min(0).max(600_000).default(SHUTDOWN_TIMEOUT_MS_DEFAULT),
});

export const catalogSchema = z.object({
  /** a checkpoint is written after this many log entries */
  checkpoint_interval: z.number().int().min(1).max(1_000_000).default(1000),
  consistency: z.enum(['linearizable', 'bounded']).default('linearizable'),
  max_staleness_ms: z.number().int().min(0).max(3_600_000).default(1000),
  /** how long an Idempotency-Key is remembered, ISO-8601 duration */
  idempotency_key_lifetime: isoDuration.default('PT30M'),
  /**
   * let a restored catalog delete table files it did not write (purge, old metadata files),
   * overriding what `floe restore` recorded; for when the restored catalog has become the only
   * one using its warehouse
   */
  allow_purge_of_restored: z.boolean().default(false),
});

export const backupSchema = z.object({
  location: z.string().min(1).optional(),
});

/** [encryption]: envelope encryption of the catalog's own objects (docs/encryption.md). */
export const encryptionSchema = z.object({
  provider: z.enum(['none', 'local', 'aws-kms', 'gcp-kms', 'azure-keyvault']).default('none'),
  /**
   * local provider: `id:base64,...` (secret: never printed); aws-kms: `id:arn:aws:kms:...:key/...` or alias ARN;
   * gcp-kms: `id:projects/P/locations/L/keyRings/R/cryptoKeys/K`; azure-keyvault: `id:https://<vault>/keys/<name>[/<version>],...`
   */
  keys: z.string().min(1).optional(),
  /** local provider: a file of `id:base64` lines */
  key_file: z.string().min(1).optional(),
  /** key id that new catalogs and `floe keys rotate` use */
  active_key: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  /** aws-kms: a KMS endpoint in place of the regional one (a VPC endpoint, or a test's fake) */
  aws_endpoint: z.string().url().optional(),
  /** gcp-kms: a Cloud KMS endpoint in place of cloudkms.googleapis.com (a private endpoint, or a test's fake) */
  gcp_endpoint: z.string().url().optional(),
});

/** The auth modes `[auth] mode` accepts: one, or builtin and oidc together (comma-separated). */
export const AUTH_MODES = ['none', 'oidc', 'builtin'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** `[auth] mode` as its set of modes: `none` alone, or any of `builtin`, `oidc`. */
export function authModes(mode: string): AuthMode[] {
  return [...new Set(mode.split(',').map((m) => m.trim().toLowerCase()))].sort() as AuthMode[];
}

const authMode = z.string().superRefine((value, ctx) => {
  const modes = authModes(value);
  const unknown = modes.filter((m) => !(AUTH_MODES as readonly string[]).includes(m));
  if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} names no auth mode (${unknown.join(', ')})` });
  else if (modes.includes('none') && modes.length > 1) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: none cannot be combined with another mode` });
});

/** A claim name of a JWT: a plain name or a dotted path into nested objects (realm_access.roles). */
const claimName = z.string().regex(/^[A-Za-z0-9_:/.-]{1,128}$/);

/** [auth]: who may call the API (docs/security.md). */
export const authSchema = z.object({
  mode: authMode.default('none'),
  /** with mode none, serve on a non-loopback address anyway (every caller may do everything) */
  insecure_allow_anonymous: z.boolean().default(false),
  /** whether GET /metrics needs a principal when auth is on */
  metrics_require_auth: z.boolean().default(true),
  /** the OpenID provider's issuer URL, exactly as its tokens' `iss` and its discovery document name it */
  oidc_issuer: z.string().url().optional(),
  /** the `aud` tokens must carry (the resource or client id the provider issues them for) */
  oidc_audience: z.string().min(1).max(1024).optional(),
  /** the claim naming the principal */
  oidc_principal_claim: claimName.default('sub'),
  /** the claim holding the principal's roles (a list of strings, or one space-separated string) */
  oidc_roles_claim: claimName.optional(),
});

export const settingsSchema = z.object({
  storage: storageSchema,
  server: serverSchema,
  catalog: catalogSchema,
  backup: backupSchema,
  // optional in the type so hand-built Settings (tests) stay valid; the loader always fills it
  encryption: encryptionSchema.optional(),
  auth: authSchema.optional(),
});

export type Settings = z.infer<typeof settingsSchema>;
export type StorageSettings = z.infer<typeof storageSchema>;
export type EncryptionSettings = z.infer<typeof encryptionSchema>;
export type AuthSettings = z.infer<typeof authSchema>;

/** The `allowed_locations` setting (comma separated) as its prefixes. */
export function splitAllowedLocations(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
