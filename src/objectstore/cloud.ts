// Cloud backends (s3, gcs, azure) are opened here; see the cloud-backends issue.
import type { StorageSettings } from '../config/index.js';
import type { ObjectStore } from './types.js';
import type { StorageUrl } from './url.js';

export function openCloudBucket(url: StorageUrl, _options: Partial<StorageSettings>): ObjectStore {
  throw new Error(`the ${url.backend} backend is not available in this build`);
}
