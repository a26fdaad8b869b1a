// serve on a cloud root decides like on a local one: one LIST for "empty", a refusal for a
// prefix with other objects, and for a prefix inside another catalog's root. Real `floe serve`
// child processes and the real @google-cloud/storage SDK against the JSON API fake.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { GcsObjectStore } from '../../src/objectstore/gcs.js';
import { startGcsFake, type GcsFake } from '../fakes/gcs-fake.js';

const BUCKET = 'floe-serve-root';
let fake: GcsFake | undefined;
before(async () => {
  fake = await startGcsFake([BUCKET]);
});
after(async () => {
  await fake?.close();
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs serve until it listens (then stops it) or exits by itself; async, so the fake keeps answering. */
function serveOnce(storage: string): Promise<Outcome> {
  const env = { ...process.env, FLOE_GCS_ENDPOINT: fake!.endpoint };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve', '--storage', storage, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  // the banner is on stderr: stdout is the JSON log stream
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (/warehouse: /.test(stderr)) child.kill('SIGTERM');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('serve on gs://: creates only in an empty prefix, refuses foreign objects and a prefix inside a catalog', async () => {
  const bucket = new GcsObjectStore({ bucket: BUCKET, endpoint: fake!.endpoint });
  assert.equal((await bucket.put('foreign/data.parquet', Buffer.from('PAR1'))).kind, 'created');

  let run = await serveOnce(`gs://${BUCKET}/foreign`);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /gs:\/\/floe-serve-root\/foreign is not empty and is not a Floe catalog \(found data\.parquet\)/);
  assert.equal((await bucket.head('foreign/catalog.json')).kind, 'notFound');

  run = await serveOnce(`gs://${BUCKET}/team/cat`);
  assert.match(run.stderr, /created a new catalog \S+/, run.stderr);
  const id = /created a new catalog (\S+)/.exec(run.stderr)![1]!;

  run = await serveOnce(`gs://${BUCKET}/team/cat`);
  assert.match(run.stderr, new RegExp(`opened catalog ${id} \\(created `), run.stderr);

  run = await serveOnce(`gs://${BUCKET}/team/cat/warehouse/scratch`);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /gs:\/\/floe-serve-root\/team\/cat\/warehouse\/scratch is inside the Floe catalog root gs:\/\/floe-serve-root\/team\/cat/);
  assert.equal((await bucket.head('team/cat/warehouse/scratch/catalog.json')).kind, 'notFound');
  await bucket.close();
});
