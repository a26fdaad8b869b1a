// deploy/docker-compose.yml without a Docker engine: every environment name the Floe service
// sets is one Floe (or its SDKs) reads, its settings load with Floe's own loader and point at
// the MinIO service, the bucket it uses is the one the init container creates, with the
// credentials MinIO is started with, and ports, probe and start order fit together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/index.js';
import { planAuth } from '../../src/http/index.js';
import { parseStorageUrl } from '../../src/objectstore/index.js';
import { DEFAULT_PORT, PROBE_PATHS, unknownEnvNames } from './facts.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const COMPOSE = 'deploy/docker-compose.yml';
const compose = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service> };
const { minio, floe } = compose.services;
const init = compose.services['create-bucket'];

/** Compose's `${VAR:-default}` with an empty shell environment, and `$$` as a literal `$`. */
const interpolate = (value: string): string =>
  value.replace(/\$\$|\$\{(\w+)(?::-([^}]*))?\}/g, (all, _name: string, fallback: string | undefined) => (all === '$$' ? '$' : fallback ?? ''));
const envOf = (service: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

test('the compose file has MinIO, a bucket-creating init container and Floe', () => {
  assert.ok(minio && init && floe);
  assert.match(minio.image!, /^minio\/minio(:|$)/);
  assert.match(init.image!, /^minio\/mc(:|$)/);
  assert.ok(floe.build, 'floe is built from the repository (there is no published image yet)');
  assert.ok(existsSync(join('deploy', floe.build.context, floe.build.dockerfile)), 'the build context holds the Dockerfile');
});

test("Floe's environment names are ones Floe reads, and load into S3-on-MinIO settings", () => {
  const env = envOf(floe!);
  assert.deepEqual(unknownEnvNames(Object.keys(env)), []);
  for (const name of ['FLOE_STORAGE', 'AWS_ENDPOINT_URL', 'FLOE_AWS_ALLOW_HTTP', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.ok(name in env, name);
  const settings = loadSettings({ env });
  assert.equal(settings.server.host, '0.0.0.0', 'reachable through the port mapping');
  // a development stack without an identity provider: anonymous, said so, and so it starts
  assert.equal(settings.auth?.insecure_allow_anonymous, true);
  assert.match(planAuth(settings.auth, settings.server.host).lines.join('\n'), /warning: +no authentication/);
  assert.equal(settings.storage.aws_allow_http, true, 'an http:// endpoint is refused without it');
  const endpoint = new URL(settings.storage.aws_endpoint!);
  assert.equal(endpoint.hostname, 'minio', 'the endpoint is the MinIO service');
  const minioPorts = minio!.ports!.map((p) => p.split(':').at(-1));
  assert.ok(minioPorts.includes(endpoint.port), `MinIO's S3 port ${endpoint.port} is one it serves (${minioPorts.join(', ')})`);

  const storage = parseStorageUrl(settings.storage.object_store_url);
  const warehouse = parseStorageUrl(settings.server.warehouse!);
  assert.equal(storage.backend, 's3');
  const created = /mc mb (?:--ignore-existing )?local\/([\w.-]+)/.exec([init!.command].flat().join(' '));
  assert.ok(created, 'the init container creates a bucket');
  assert.equal(storage.bucket, created[1], 'the catalog lives in the bucket the init container creates');
  assert.equal(warehouse.bucket, created[1]);
  assert.match([init!.command].flat().join(' '), /mc alias set local http:\/\/minio:9000 /);

  const minioEnv = envOf(minio!);
  assert.equal(env.AWS_ACCESS_KEY_ID, minioEnv.MINIO_ROOT_USER, 'Floe signs with the credentials MinIO starts with');
  assert.equal(env.AWS_SECRET_ACCESS_KEY, minioEnv.MINIO_ROOT_PASSWORD);
  assert.deepEqual(envOf(init!), minioEnv, 'the init container logs in with them too');

  const [published, container] = floe!.ports![0]!.split(':');
  assert.equal(Number(container), settings.server.port);
  assert.equal(Number(published), DEFAULT_PORT);
});

test('healthchecks and start order: MinIO healthy, then the bucket, then Floe probed on /health', () => {
  assert.ok(minio!.healthcheck!.test.length > 1);
  assert.equal(init!.depends_on!.minio!.condition, 'service_healthy');
  assert.equal(floe!.depends_on!['create-bucket']!.condition, 'service_completed_successfully');
  const probe = floe!.healthcheck!.test.join(' ');
  const port = loadSettings({ env: envOf(floe!) }).server.port;
  assert.ok(probe.includes(`http://127.0.0.1:${port}${PROBE_PATHS.health}`), probe);
  assert.equal(floe!.healthcheck!.test[1], 'node', 'the image has no curl');
});
