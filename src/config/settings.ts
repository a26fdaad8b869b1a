// The typed configuration: defaults < TOML file < environment < flags. The seed's key names
// are the public contract ([storage] object_store_url, aws_endpoint, ...); every key can also
// be given as FLOE_<KEY>. Invalid values name the key, where it came from and what is allowed.
import { z } from 'zod';

export const storageSchema = z.object({
  object_store_url: z.string().min(1),
  aws_region: z.string().min(1).optional(),
  aws_endpoint: z.string().url().optional(),
  aws_allow_http: z.boolean().default(false),
  azure_storage_account: z.string().min(1).optional(),
  /** blob service URL override (azurite, sovereign clouds), e.g. http://127.0.0.1:10000/devstoreaccount1 */
  azure_endpoint: z.string().url().optional(),
  /** GCS JSON API endpoint override (fakes, emulators); used without authentication */
  gcs_endpoint: z.string().url().optional(),
  s3_multipart_threshold_mb: z.number().int().min(5).max(5120).default(8),
  s3_multipart_chunk_size_mb: z.number().int().min(5).max(5120).default(8),
  s3_max_concurrent_requests: z.number().int().min(1).max(10_000).default(100),
});

export const serverSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8181),
  warehouse: z.string().min(1).optional(),
  /** Host names answered besides loopback ones when bound to loopback (DNS rebinding), comma-separated */
  allowed_hosts: z.string().regex(/^[A-Za-z0-9.\-\[\]:,\s]*$/).optional(),
});

export const catalogSchema = z.object({
  /** a checkpoint is written after this many log entries */
  checkpoint_interval: z.number().int().min(1).max(1_000_000).default(1000),
  consistency: z.enum(['linearizable', 'bounded']).default('linearizable'),
  max_staleness_ms: z.number().int().min(0).max(3_600_000).default(1000),
  /** how long an Idempotency-Key is remembered, ISO-8601 duration */
  idempotency_key_lifetime: z.string().regex(/^PT\d+[HMS]$/).default('PT30M'),
});

export const backupSchema = z.object({
  location: z.string().min(1).optional(),
});

export const settingsSchema = z.object({
  storage: storageSchema,
  server: serverSchema,
  catalog: catalogSchema,
  backup: backupSchema,
});

export type Settings = z.infer<typeof settingsSchema>;
export type StorageSettings = z.infer<typeof storageSchema>;
