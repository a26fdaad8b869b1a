// Secrets never reach a log line. A real `floe serve` at trace level gets secrets planted in its
// configuration (encryption keys, credentials in a URL), in request headers (authorization,
// cookie, a session token), in a query string and in a request body whose error echoes a URL
// with credentials; then every line it printed, stdout and stderr, is searched for them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED, redactString, redactValue } from '../../src/http/redact.js';
import { childEnv, runFloe, startFloeServe, stopAllFloe } from '../e2e/processes.js';

after(stopAllFloe);

test('redaction by shape: secret-named fields, URL credentials, signed query strings, auth schemes', () => {
  assert.equal(redactString('s3://AKIAXYZ:wJalr+/abc@bucket/p'), `s3://${REDACTED}@bucket/p`);
  assert.equal(redactString('see https://user:pa55@host:9000/x?y=1'), `see https://${REDACTED}@host:9000/x?y=1`);
  assert.equal(
    redactString('https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc123&x=1'),
    `https://b.s3.amazonaws.com/k?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}&x=1`,
  );
  assert.equal(redactString('got Bearer eyJhbGciOi.x.y back'), `got Bearer ${REDACTED} back`);
  const error = Object.assign(new Error('cannot open s3://k:s@b'), { secretAccessKey: 'S' });
  assert.deepEqual(
    redactValue({ headers: { authorization: 'Bearer t', 'x-amz-security-token': 'tok', accept: 'json' }, encryption: { keys: 'k1:AAAA', provider: 'local' } }),
    { headers: { authorization: REDACTED, 'x-amz-security-token': REDACTED, accept: 'json' }, encryption: { keys: REDACTED, provider: 'local' } },
  );
  const cleaned = redactValue({ err: error }) as { err: Record<string, unknown> };
  assert.equal(cleaned.err.message, `cannot open s3://${REDACTED}@b`);
  assert.equal(cleaned.err.secretAccessKey, REDACTED);
  assert.equal(cleaned.err.type, 'Error');
});

test('every log line of a serving process is free of the secrets planted in config, headers, URLs and bodies', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-redaction-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const keyMaterial = randomBytes(32).toString('base64');
  const secrets = {
    key: keyMaterial,
    urlPassword: 'PlantedUrlPassw0rd',
    bearer: 'planted.bearer.token-123',
    cookie: 'planted-cookie-value-456',
    sessionToken: 'PlantedSessionToken789',
    queryToken: 'planted-query-token-abc',
    registerSecret: 'PlantedRegisterSecret',
  };
  const config = join(dir, 'floe.toml');
  writeFileSync(
    config,
    [
      '[storage]',
      `aws_endpoint = "http://planteduser:${secrets.urlPassword}@127.0.0.1:9/"`,
      '[encryption]',
      'provider = "local"',
      `keys = "k1:${secrets.key}"`,
      'active_key = "k1"',
    ].join('\n') + '\n',
  );
  const server = await startFloeServe(
    ['--storage', `file://${join(dir, 'cat')}`, '--warehouse', `file://${join(dir, 'wh')}`, '--port', '0', '--config', config, '--log-level', 'trace'],
    childEnv({ FLOE_LOG_FORMAT: 'json' }),
  );
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${secrets.bearer}`,
    cookie: `session=${secrets.cookie}`,
    'x-amz-security-token': secrets.sessionToken,
  };
  const answers = [
    await fetch(`${server.url}/v1/namespaces`, { method: 'POST', headers, body: JSON.stringify({ namespace: ['db'] }) }),
    await fetch(`${server.url}/v1/namespaces?token=${secrets.queryToken}`, { headers }),
    await fetch(`${server.url}/v1/namespaces/db/register`, {
      method: 'POST', headers,
      body: JSON.stringify({ name: 't', 'metadata-location': `s3://AKIAPLANTED:${secrets.registerSecret}@bucket/tables/t/metadata/00000-x.metadata.json` }),
    }),
  ];
  for (const answer of answers) await answer.text();
  assert.equal(answers[0]!.status, 200);
  assert.ok(answers[2]!.status >= 400, 'the register request is refused');
  assert.deepEqual(await server.stop(), { code: 0, signal: null });

  const output = server.stdout() + server.stderr();
  const logLines = server.stdout().split('\n').filter((l) => l.startsWith('{'));
  assert.ok(logLines.some((l) => l.includes('"msg":"settings"')), 'the settings line was written');
  assert.ok(logLines.filter((l) => l.includes('"msg":"request"')).length >= 3, 'the request lines were written');
  assert.ok(output.includes(REDACTED), 'something was redacted');
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(!output.includes(secret), `the planted ${name} secret was printed:\n${output}`);
  }
});

test('a start-up error that echoes a URL does not echo its credentials', { timeout: 60_000 }, async () => {
  const secret = 'PlantedStartupSecret';
  const run = await runFloe(['serve', '--storage', `s3://AKIAPLANTED:${secret}@bucket/prefix`, '--port', '0'], childEnv({}));
  assert.notEqual(run.code, 0);
  assert.ok(!(run.stdout + run.stderr).includes(secret), run.stderr);
  assert.match(run.stderr, /^floe: /);
});
