// Validation of an S3 endpoint override, kept apart from s3.ts so it runs (and fails with a
// clear message) when a store is opened, without loading the AWS SDK.
import { BackendError } from './errors.js';

/** Plain http leaks credentials' signatures and data on the wire: only on explicit request. */
export function checkEndpoint(endpoint: string, allowHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // not swallowed: reported naming the setting
    throw new BackendError('other', `aws_endpoint ${JSON.stringify(endpoint)} is not a URL`, undefined, undefined);
  }
  if (url.username || url.password) {
    throw new BackendError('other', 'aws_endpoint must not contain credentials; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', undefined, undefined);
  }
  if (url.protocol === 'http:' && !allowHttp) {
    throw new BackendError(
      'other',
      `aws_endpoint ${url.origin} uses plain http; set aws_allow_http = true (or FLOE_AWS_ALLOW_HTTP=true) to allow it`,
      undefined,
      undefined,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BackendError('other', `aws_endpoint must be an http(s) URL, got ${url.protocol}`, undefined, undefined);
  }
}
