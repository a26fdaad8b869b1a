// `floe serve` and authentication as a user meets them, through the real command: anonymous
// serving is refused past loopback unless asked for (then warned about on every start), modes
// are checked by name, built-in principals work from the CLI to a token, and oidc mode guards the API of a running server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../src/config/index.js';
import { AUDIENCE, startProvider, type TestProvider } from '../http/auth/provider.js';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];
/** the test runner's own environment, without any auth setting that would change the outcome */
const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOE_'))) as Record<string, string>;

function floe(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], { encoding: 'utf8', env: { ...baseEnv(), ...env }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts serve and resolves with its banner once `bannerEnd` is printed (or how it exited). */
function serve(args: string[], env: Record<string, string>, bannerEnd: RegExp) {
  const child = spawn(process.execPath, [...ENTRY, 'serve', '--storage', 'memory://', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...baseEnv(), ...env },
  });
  let out = '';
  let err = '';
  // the human banner is on stderr; stdout carries JSON log lines
  child.stdout.on('data', (c: Buffer) => (err += c.toString()));
  const started = new Promise<{ banner: string; url: string }>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /serving at (\S+)/.exec(out)?.[1];
      if (url && bannerEnd.test(out)) resolve({ banner: out, url });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  const stop = () => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r)));
  return { started, stop, output: () => out + err };
}

let provider: TestProvider;
before(async () => {
  provider = await startProvider();
});
after(() => provider.close());

test('anonymous serving past loopback is refused before anything opens, with the ways out', () => {
  for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
    const run = floe(['serve', '--storage', 'memory://', '--host', host, '--port', '0']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`refusing to serve on ${host.replace(/\./g, '\\.')} without authentication`));
    assert.match(run.stderr, /--auth-mode/);
    assert.match(run.stderr, /--insecure-allow-anonymous/);
  }
  const env = floe(['serve', '--storage', 'memory://', '--port', '0'], { FLOE_HOST: '0.0.0.0' });
  assert.equal(env.code, 2, env.stderr);
});

test('--insecure-allow-anonymous serves past loopback and warns on every start', async () => {
  for (const [args, env] of [
    [['--host', '0.0.0.0', '--insecure-allow-anonymous'], {}],
    [['--host', '0.0.0.0'], { FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS: 'true' }],
  ] as const) {
    const server = serve([...args], { ...env }, /no authentication on 0\.0\.0\.0.*\n/);
    const { banner, url } = await server.started;
    assert.match(banner, /warning: +no authentication on 0\.0\.0\.0 \(--insecure-allow-anonymous\)/);
    const port = new URL(url.replace('0.0.0.0', '127.0.0.1')).port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/v1/namespaces`)).status, 200);
    await server.stop();
  }
});

test('loopback needs no flag; the banner says auth is off', async () => {
  const server = serve([], {}, /auth: +none.*\n/);
  const { banner } = await server.started;
  assert.match(banner, /auth: +none \(loopback only/);
  await server.stop();
});

test('builtin,oidc still needs the issuer and audience; unknown modes name the allowed ones', () => {
  for (const mode of ['builtin,oidc', 'oidc,builtin']) {
    const run = floe(['serve', '--storage', 'memory://', '--port', '0', '--auth-mode', mode]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /\[auth\] mode oidc needs \[auth\] oidc_issuer/);
  }
  const bogus = floe(['serve', '--storage', 'memory://', '--port', '0', '--auth-mode', 'ldap']);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /invalid value for mode \(flag --auth-mode\).*names no auth mode \(ldap\).*allowed: none, oidc, builtin or builtin,oidc/);
  const mixed = floe(['serve', '--storage', 'memory://', '--port', '0'], { FLOE_AUTH_MODE: 'none,oidc' });
  assert.match(mixed.stderr, /mode \(environment FLOE_AUTH_MODE\).*none cannot be combined/);
});

test('builtin on 0.0.0.0: the first admin made by the CLI gets a token; a wrong secret is 401 and is never in the logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-auth-'));
  const storage = `file://${dir}/catalog`;
  const created = floe(['principal', 'create', 'admin', '--role', 'admin', '--storage', storage, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const { clientId, clientSecret } = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };
  const server = serve(['--storage', storage, '--warehouse', `file://${dir}/warehouse`, '--host', '0.0.0.0'], { FLOE_AUTH_MODE: 'builtin', FLOE_LOG_LEVEL: 'info' }, /auth: +builtin.*\n/);
  const { url } = await server.started;
  const base = `http://127.0.0.1:${new URL(url.replace('0.0.0.0', '127.0.0.1')).port}`;
  const tokenRequest = (secret: string) =>
    fetch(`${base}/v1/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'catalog' }),
    });
  const wrongSecret = 'wrong-' + clientSecret.slice(6);
  const refused = await tokenRequest(wrongSecret);
  assert.equal(refused.status, 401);
  const refusedText = await refused.text();
  assert.ok(!refusedText.includes(wrongSecret) && !refusedText.includes(clientSecret));
  const granted = await tokenRequest(clientSecret);
  assert.equal(granted.status, 200);
  const { access_token: token } = (await granted.json()) as { access_token: string };
  assert.equal((await fetch(`${base}/v1/namespaces`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await fetch(`${base}/v1/namespaces`)).status, 401);
  await server.stop();
  const output = server.output();
  assert.match(output, /token request refused/, 'the refusal is logged');
  const requestLines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const listed = requestLines.filter((line) => line.msg === 'request' && line.route === '/v1/namespaces');
  assert.deepEqual(listed.map((line) => [line.status, line.principal]), [[200, 'admin'], [401, undefined]], 'the request line names the verified principal');
  for (const secret of [wrongSecret, clientSecret, token]) assert.ok(!output.includes(secret), 'no secret or token in the logs');
});

test('oidc needs its issuer and audience', () => {
  const run = floe(['serve', '--storage', 'memory://', '--port', '0', '--auth-mode', 'oidc']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /\[auth\] mode oidc needs \[auth\] oidc_issuer \(FLOE_AUTH_OIDC_ISSUER\) and \[auth\] oidc_audience/);
});

test('[auth] in the TOML file: oidc mode on 0.0.0.0 guards the API, probes stay open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-auth-'));
  const config = join(dir, 'floe.toml');
  writeFileSync(config, `[server]\nhost = "0.0.0.0"\n\n[auth]\nmode = "oidc"\noidc_issuer = "${provider.issuer}"\noidc_audience = "${AUDIENCE}"\noidc_roles_claim = "roles"\n`);
  const server = serve(['--config', config], {}, /auth: +oidc.*\n/);
  const { banner, url } = await server.started;
  assert.match(banner, new RegExp(`auth: +oidc \\(issuer ${provider.issuer}, audience ${AUDIENCE}\\)`));
  const base = `http://127.0.0.1:${new URL(url.replace('0.0.0.0', '127.0.0.1')).port}`;
  assert.equal((await fetch(`${base}/health`)).status, 200);
  const anonymous = await fetch(`${base}/v1/namespaces`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="floe"');
  const token = await provider.token('spark');
  assert.equal((await fetch(`${base}/v1/namespaces`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  await server.stop();
});

test('[auth] keys load from TOML and the environment, and typos are caught', () => {
  const settings = loadSettings({ env: { FLOE_AUTH_MODE: 'oidc', FLOE_AUTH_OIDC_ISSUER: 'https://idp.example/realms/x', FLOE_AUTH_METRICS_REQUIRE_AUTH: 'false' } });
  assert.equal(settings.auth?.mode, 'oidc');
  assert.equal(settings.auth?.metrics_require_auth, false);
  assert.equal(settings.auth?.oidc_principal_claim, 'sub');
  assert.equal(loadSettings({ env: {} }).auth?.mode, 'none');
  const dir = mkdtempSync(join(tmpdir(), 'floe-auth-'));
  writeFileSync(join(dir, 'floe.toml'), '[auth]\noidc_isuer = "https://x"\n');
  assert.throws(() => loadSettings({ env: {}, configFile: join(dir, 'floe.toml') }), (e: unknown) => e instanceof ConfigError && /did you mean oidc_issuer\?/.test(e.message));
  const warned: string[] = [];
  loadSettings({ env: { FLOE_AUTH_MDOE: 'oidc' }, warn: (l) => warned.push(l) });
  assert.match(warned.join('\n'), /FLOE_AUTH_MDOE .*did you mean FLOE_AUTH_MODE\?/);
});
