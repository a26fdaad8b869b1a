// Round trips through s3:// against radosgw (started by scripts/ci-services.sh): radosgw -> file
// and file -> radosgw, through the same code paths the CLI uses. Mandatory in CI.
import { test } from 'node:test';
import { openObjectStore } from '../../src/objectstore/index.js';
import { fileBackend, roundTrip, type Backend } from './helpers.js';

const endpoint = process.env.FLOE_TEST_S3_ENDPOINT;
const bucket = process.env.FLOE_TEST_S3_BUCKET;
let rootCounter = 0;

const radosgwBackend: Backend = {
  name: 'radosgw',
  async fresh() {
    const url = `s3://${bucket}/backup-${process.pid}-${Date.now()}-${++rootCounter}`;
    return { objects: openObjectStore(url, { aws_endpoint: endpoint, aws_allow_http: true, aws_region: 'us-east-1' }), url };
  },
};

if (endpoint && bucket) {
  for (const [source, target] of [[radosgwBackend, fileBackend], [fileBackend, radosgwBackend]] as const) {
    test(`round trip ${source.name} -> ${target.name}`, () => roundTrip(source, target));
  }
} else if (process.env.CI === 'true') {
  test('radosgw round trips', () => {
    throw new Error('CI=true but FLOE_TEST_S3_ENDPOINT / FLOE_TEST_S3_BUCKET are not set: .ci/run must start radosgw');
  });
} else {
  console.log('\n*** backup round trips through radosgw SKIPPED: FLOE_TEST_S3_ENDPOINT is not set; run: eval "$(bash scripts/ci-services.sh)"\n');
  test('radosgw round trips', { skip: 'FLOE_TEST_S3_ENDPOINT not set; run: eval "$(bash scripts/ci-services.sh)"' }, () => {});
}
