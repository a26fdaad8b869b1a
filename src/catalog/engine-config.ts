// The storage settings engines need to open a table's files (the `config` of a LoadTableResult
// and the `defaults` of /v1/config): endpoint, region and addressing style, under the property
// names the Java, Python and Rust FileIOs read. Only values from Floe's own settings, and never
// a credential: an engine brings its own keys (or, later, gets vended ones).
import type { Backend, BackendOptions, Location } from '../objectstore/index.js';

/** Property names as the FileIOs spell them (docs/storage-backends.md, "What engines are told"). */
const S3_ENDPOINT = 's3.endpoint'; // Java S3FileIOProperties, PyIceberg, iceberg-rust
const S3_PATH_STYLE_ACCESS = 's3.path-style-access'; // Java, iceberg-rust
const S3_FORCE_VIRTUAL_ADDRESSING = 's3.force-virtual-addressing'; // PyIceberg
const CLIENT_REGION = 'client.region'; // Java AwsClientProperties, PyIceberg, iceberg-rust
const S3_REGION = 's3.region'; // PyIceberg, iceberg-rust
const GCS_SERVICE_HOST = 'gcs.service.host'; // Java GCPProperties, PyIceberg, iceberg-rust
const GCS_NO_AUTH = 'gcs.no-auth'; // Java GCPProperties, iceberg-rust
const ADLS_ACCOUNT_NAME = 'adls.account-name'; // PyIceberg, iceberg-rust

export type EngineConfig = Readonly<Record<string, string>>;

/**
 * The config for every backend among the catalog's roots (the warehouse and the allowed
 * locations): each key names its backend, so a table on another backend ignores the rest.
 * Constant for the catalog, so rendered answers may hold it.
 */
export function engineConfigFor(roots: readonly Location[], storage: BackendOptions): EngineConfig {
  const backends = new Set<Backend>(roots.map((root) => root.backend));
  const config: Record<string, string> = {};
  if (backends.has('s3')) {
    // engines merge a table's config over their own settings, so the name they must use wins here
    const endpoint = storage.engine_endpoint ?? storage.aws_endpoint;
    if (endpoint !== undefined) {
      config[S3_ENDPOINT] = endpoint;
      // Floe addresses a custom endpoint path-style (objectstore/s3.ts), which is what
      // MinIO, radosgw and most S3-compatible stores need; engines default to virtual hosts
      config[S3_PATH_STYLE_ACCESS] = 'true';
      config[S3_FORCE_VIRTUAL_ADDRESSING] = 'false';
    }
    if (storage.aws_region !== undefined) {
      config[CLIENT_REGION] = storage.aws_region;
      config[S3_REGION] = storage.aws_region;
    }
  }
  // only with gcs_endpoint: that is what says the endpoint is an emulator without authentication
  if (backends.has('gcs') && storage.gcs_endpoint !== undefined) {
    config[GCS_SERVICE_HOST] = storage.engine_endpoint ?? storage.gcs_endpoint;
    // Floe talks to a custom GCS endpoint without authentication (an emulator), so engines must too
    config[GCS_NO_AUTH] = 'true';
  }
  if (backends.has('azure') && storage.azure_storage_account !== undefined) {
    config[ADLS_ACCOUNT_NAME] = storage.azure_storage_account;
  }
  return Object.freeze(config);
}
