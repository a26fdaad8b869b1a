// Opens the cloud backend (s3, gcs, azure) for a parsed storage URL: the whole bucket or
// container, keys relative to its root (open.ts applies the URL's prefix). Settings come from
// config; secrets come only from the environment (each SDK's standard chain), so they never
// pass through config files, flags, logs or displayUrl. Configuration mistakes throw here, at
// open; the SDK itself is loaded on the first request (see lazy.ts).
import { ConfigError, type StorageSettings } from '../config/index.js';
import { assert } from '../util/index.js';
import type { AzureAuth } from './azure.js';
import { checkEndpoint } from './endpoint.js';
import { BackendError } from './errors.js';
import { LazyObjectStore } from './lazy.js';
import type { ObjectStore } from './types.js';
import type { StorageUrl } from './url.js';

const MB = 1024 * 1024;
const S3_DEFAULT_REGION = 'us-east-1';
const DEFAULTS = { s3_multipart_threshold_mb: 8, s3_multipart_chunk_size_mb: 8, s3_max_concurrent_requests: 100 };

/** The SSE request parameters for every PUT, or undefined when the bucket's default applies. */
function s3Sse(options: Partial<StorageSettings>): { ServerSideEncryption: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; SSEKMSKeyId?: string } | undefined {
  const mode = options.aws_server_side_encryption;
  const keyId = options.aws_sse_kms_key_id;
  if (keyId !== undefined && (mode === undefined || mode === 'AES256')) {
    throw new ConfigError('aws_sse_kms_key_id needs aws_server_side_encryption = "aws:kms" (or "aws:kms:dsse")');
  }
  if (mode === undefined) return undefined;
  return keyId === undefined ? { ServerSideEncryption: mode } : { ServerSideEncryption: mode, SSEKMSKeyId: keyId };
}

export function openCloudBucket(
  url: StorageUrl,
  options: Partial<StorageSettings>,
  env: NodeJS.ProcessEnv = process.env,
): ObjectStore {
  const thresholdMb = options.s3_multipart_threshold_mb ?? DEFAULTS.s3_multipart_threshold_mb;
  const chunkMb = options.s3_multipart_chunk_size_mb ?? DEFAULTS.s3_multipart_chunk_size_mb;
  const concurrency = options.s3_max_concurrent_requests ?? DEFAULTS.s3_max_concurrent_requests;
  switch (url.backend) {
    case 's3': {
      const s3 = {
        bucket: url.bucket,
        region: options.aws_region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? S3_DEFAULT_REGION,
        endpoint: options.aws_endpoint,
        allowHttp: options.aws_allow_http ?? false,
        multipartThresholdBytes: thresholdMb * MB,
        multipartChunkBytes: chunkMb * MB,
        maxConcurrentRequests: concurrency,
        serverSideEncryption: s3Sse(options),
      };
      if (s3.endpoint !== undefined) checkEndpoint(s3.endpoint, s3.allowHttp);
      return new LazyObjectStore('s3', `s3://${url.bucket}`, async () => new (await import('./s3.js')).S3ObjectStore(s3));
    }
    case 'gcs': {
      const gcs = {
        bucket: url.bucket,
        endpoint: options.gcs_endpoint,
        projectId: env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT,
        maxConcurrentRequests: concurrency,
        kmsKeyName: options.gcs_kms_key_name,
      };
      return new LazyObjectStore('gcs', `gs://${url.bucket}`, async () => new (await import('./gcs.js')).GcsObjectStore(gcs));
    }
    case 'azure': {
      const azure = {
        container: url.bucket,
        auth: azureAuth(options, env),
        singleShotBytesMax: thresholdMb * MB,
        blockBytes: chunkMb * MB,
        maxConcurrentRequests: concurrency,
        encryptionScope: options.azure_encryption_scope,
      };
      return new LazyObjectStore('azure', `az://${url.bucket}`, async () => new (await import('./azure.js')).AzureObjectStore(azure));
    }
    case 'memory':
    case 'file':
      assert(false, `${url.backend} is not a cloud backend`);
  }
}

/** Connection string, else account + key, else DefaultAzureCredential (managed identity & co). */
export function azureAuth(options: Partial<StorageSettings>, env: NodeJS.ProcessEnv): AzureAuth {
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
  if (connectionString) return { kind: 'connectionString', connectionString };
  const account = options.azure_storage_account ?? env.AZURE_STORAGE_ACCOUNT;
  const endpoint = options.azure_endpoint;
  if (!account) {
    throw new BackendError(
      'other',
      'az:// needs a storage account: set azure_storage_account (or AZURE_STORAGE_ACCOUNT), or AZURE_STORAGE_CONNECTION_STRING',
      undefined,
      undefined,
    );
  }
  const accountKey = env.AZURE_STORAGE_KEY ?? env.AZURE_STORAGE_ACCESS_KEY;
  if (accountKey) return { kind: 'sharedKey', account, accountKey, endpoint };
  return { kind: 'tokenCredential', account, endpoint };
}
