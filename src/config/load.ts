// Resolves Settings from defaults, a TOML file, the environment and command-line flags, in
// that order of increasing precedence, remembering where each value came from so an invalid
// one can be reported as "key (source): problem; allowed: ...".
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { closestName } from '../util/index.js';
import { LOG_LEVELS, settingsSchema, type Settings } from './settings.js';

type KeyType = 'string' | 'int' | 'boolean';
interface KeyInfo {
  section: 'storage' | 'server' | 'catalog' | 'backup' | 'encryption' | 'auth';
  name: string;
  type: KeyType;
  /** environment variables that set it, strongest first (FLOE_<KEY> is always first) */
  env: string[];
  allowed: string;
}

function key(section: KeyInfo['section'], name: string, type: KeyType, allowed: string, extraEnv: string[] = []): KeyInfo {
  return { section, name, type, allowed, env: [`FLOE_${name.toUpperCase()}`, ...extraEnv] };
}

// [encryption]: each key as FLOE_ENCRYPTION_<KEY> (`keys` holds secrets: never echoed)
const ENCRYPTION_KEYS: KeyInfo[] = [
  { ...key('encryption', 'provider', 'string', 'none, local, aws-kms, gcp-kms or azure-keyvault'), env: ['FLOE_ENCRYPTION_PROVIDER'] },
  { ...key('encryption', 'keys', 'string', 'id:base64-of-32-bytes (local), id:key-or-alias-ARN (aws-kms), id:projects/P/locations/L/keyRings/R/cryptoKeys/K (gcp-kms) or id:key-url (azure-keyvault), comma-separated'), env: ['FLOE_ENCRYPTION_KEYS'] },
  { ...key('encryption', 'key_file', 'string', 'a file of id:base64 lines'), env: ['FLOE_ENCRYPTION_KEY_FILE'] },
  { ...key('encryption', 'aws_endpoint', 'string', 'an http(s) URL (aws-kms; default: the region of the key ARN; the SDK also reads AWS_ENDPOINT_URL_KMS)'), env: ['FLOE_ENCRYPTION_AWS_ENDPOINT'] },
  { ...key('encryption', 'gcp_endpoint', 'string', 'an http(s) URL (gcp-kms; default: https://cloudkms.googleapis.com)'), env: ['FLOE_ENCRYPTION_GCP_ENDPOINT'] },
  { ...key('encryption', 'active_key', 'string', 'a key id: letters, digits, . _ - (at most 64)'), env: ['FLOE_ENCRYPTION_ACTIVE_KEY'] },
];

// [auth]: each key as FLOE_AUTH_<KEY>, flags --auth-<key> (but --insecure-allow-anonymous)
const authKey = (name: string, type: KeyType, allowed: string): KeyInfo => ({
  ...key('auth', name, type, allowed),
  env: [`FLOE_AUTH_${name.toUpperCase()}`],
});
const AUTH_KEYS: KeyInfo[] = [
  authKey('mode', 'string', 'none, oidc, builtin or builtin,oidc'),
  authKey('insecure_allow_anonymous', 'boolean', 'true or false'),
  authKey('metrics_require_auth', 'boolean', 'true or false'),
  authKey('oidc_issuer', 'string', 'the issuer URL of the OpenID provider, e.g. https://keycloak.example.com/realms/floe'),
  authKey('oidc_audience', 'string', 'the audience tokens are issued for, e.g. floe'),
  authKey('oidc_principal_claim', 'string', 'a claim name, e.g. sub, preferred_username or client_id'),
  authKey('oidc_roles_claim', 'string', 'a claim name or dotted path, e.g. roles or realm_access.roles'),
];

export const CONFIG_KEYS: KeyInfo[] = [
  key('storage', 'object_store_url', 'string', 'memory:// | file:///abs/path | s3://bucket/prefix | gs://bucket/prefix | az://container/prefix', ['FLOE_STORAGE']),
  key('storage', 'aws_region', 'string', 'an AWS region name, e.g. us-east-1', ['AWS_REGION', 'AWS_DEFAULT_REGION']),
  key('storage', 'aws_endpoint', 'string', 'an http(s) URL, e.g. http://minio.local:9000', ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']),
  key('storage', 'aws_allow_http', 'boolean', 'true or false'),
  key('storage', 'azure_storage_account', 'string', 'an Azure storage account name', ['AZURE_STORAGE_ACCOUNT']),
  key('storage', 'azure_endpoint', 'string', 'an http(s) URL of the blob service, e.g. http://127.0.0.1:10000/devstoreaccount1', ['AZURE_STORAGE_BLOB_ENDPOINT']),
  key('storage', 'gcs_endpoint', 'string', 'an http(s) URL of a GCS JSON API endpoint, e.g. http://127.0.0.1:4443'),
  key('storage', 'engine_endpoint', 'string', 'an http(s) URL engines reach the store at, e.g. http://127.0.0.1:9000'),
  key('storage', 's3_multipart_threshold_mb', 'int', 'an integer from 5 to 5120'),
  key('storage', 's3_multipart_chunk_size_mb', 'int', 'an integer from 5 to 5120'),
  key('storage', 's3_max_concurrent_requests', 'int', 'an integer from 1 to 10000'),
  key('storage', 'aws_server_side_encryption', 'string', 'AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse'),
  key('storage', 'aws_sse_kms_key_id', 'string', 'a KMS key id, alias or ARN (with aws:kms)'),
  key('storage', 'gcs_kms_key_name', 'string', 'projects/P/locations/L/keyRings/R/cryptoKeys/K'),
  key('storage', 'azure_encryption_scope', 'string', 'an encryption scope name (3-63 letters and digits)'),
  key('server', 'host', 'string', 'an interface address, e.g. 127.0.0.1 or 0.0.0.0'),
  key('server', 'port', 'int', 'an integer from 0 to 65535'),
  key('server', 'warehouse', 'string', 'a URL: file:///abs/path, s3://, gs://, az:// or memory://'),
  key('server', 'allowed_locations', 'string', 'comma-separated location prefixes outside the warehouse the server may read and write, e.g. s3://bucket/tables'),
  key('server', 'allowed_hosts', 'string', 'comma-separated host names, e.g. floe.internal,catalog.example.com'),
  key('server', 'tls_cert', 'string', 'a PEM certificate (chain) file, e.g. /etc/floe/tls.crt'),
  key('server', 'tls_key', 'string', 'the PEM private key file of tls_cert, e.g. /etc/floe/tls.key'),
  key('server', 'log_level', 'string', LOG_LEVELS.join(', ')),
  key('server', 'log_format', 'string', 'json or pretty (default: pretty on a terminal, json otherwise)'),
  key('server', 'admin_port', 'int', 'an integer from 0 to 65535 (a listener for /health, /ready and /metrics)'),
  key('server', 'shutdown_timeout_ms', 'int', 'an integer from 0 to 600000'),
  key('catalog', 'checkpoint_interval', 'int', 'an integer from 1 to 1000000'),
  key('catalog', 'consistency', 'string', 'linearizable or bounded'),
  key('catalog', 'max_staleness_ms', 'int', 'an integer from 0 to 3600000'),
  key('catalog', 'allow_purge_of_restored', 'boolean', 'true or false'),
  key('catalog', 'idempotency_key_lifetime', 'string', 'a positive ISO-8601 duration of fixed length: PT30M, PT1H30M, P1D, P1DT12H, PT0.5S'),
  { ...key('backup', 'location', 'string', 'a URL or absolute directory for scheduled backups'), env: ['FLOE_BACKUP_LOCATION', 'FLOE_LOCATION'] },
  ...ENCRYPTION_KEYS,
  ...AUTH_KEYS,
];

/** FLOE_ variables that are not config keys; the prefixes are the test and tooling harnesses'. */
const OTHER_ENV = ['FLOE_CONFIG'];
const TOOLING_ENV_PREFIXES = ['FLOE_TEST_', 'FLOE_SIM_', 'FLOE_RGW_', 'FLOE_BENCH_'];
const SECTIONS = ['storage', 'server', 'catalog', 'backup', 'encryption', 'auth'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** values from command-line flags, keyed by config key name (e.g. object_store_url) */
  flags?: Record<string, string | number | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
  /** path of a TOML file; when absent FLOE_CONFIG from env is used */
  configFile?: string;
  /** the command needs a storage root named explicitly (status, backup, restore): no memory:// default */
  requireStorage?: boolean;
  /** told about settings that are ignored (unknown FLOE_ variables) */
  warn?: (line: string) => void;
}

interface Sourced {
  value: unknown;
  source: string;
}

function coerce(info: KeyInfo, raw: unknown, source: string): unknown {
  if (typeof raw !== 'string') return raw;
  if (info.type === 'int') {
    if (!/^-?\d+$/.test(raw.trim())) {
      throw new ConfigError(`invalid value for ${info.name} (${source}): ${JSON.stringify(raw)}; allowed: ${info.allowed}`);
    }
    return Number(raw.trim());
  }
  if (info.type === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    throw new ConfigError(`invalid value for ${info.name} (${source}): ${JSON.stringify(raw)}; allowed: ${info.allowed}`);
  }
  return raw;
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const where = error as { line?: number; column?: number; message: string };
    const at = where.line !== undefined ? ` at line ${where.line}, column ${where.column}` : '';
    const reason = where.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new ConfigError(`config file ${file} is not valid TOML${at}: ${reason}`);
  }
}

function unknownKeyMessage(file: string, section: string, name: string): string {
  const known = CONFIG_KEYS.filter((k) => k.section === section).map((k) => k.name);
  const guess = closestName(name, known);
  const elsewhere = CONFIG_KEYS.find((k) => k.name === name);
  const hint = elsewhere ? `; it belongs under [${elsewhere.section}]` : guess ? `; did you mean ${guess}?` : `; known keys: ${known.join(', ')}`;
  return `config file ${file}: unknown key ${name} in [${section}]${hint}`;
}

function tomlEntries(file: string, toml: Record<string, unknown>): Array<{ info: KeyInfo; value: unknown }> {
  const entries: Array<{ info: KeyInfo; value: unknown }> = [];
  for (const [section, body] of Object.entries(toml)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Date) {
      const owner = CONFIG_KEYS.find((k) => k.name === section);
      throw new ConfigError(
        `config file ${file}: ${section} is outside any section` +
          (owner ? `; put it under [${owner.section}]` : `; keys go under one of ${SECTIONS.map((n) => `[${n}]`).join(', ')}`),
      );
    }
    if (!(SECTIONS as readonly string[]).includes(section)) {
      const guess = closestName(section, SECTIONS);
      throw new ConfigError(`config file ${file}: unknown section [${section}]; ${guess ? `did you mean [${guess}]?` : `sections are ${SECTIONS.map((n) => `[${n}]`).join(', ')}`}`);
    }
    for (const [name, value] of Object.entries(body)) {
      const info = CONFIG_KEYS.find((k) => k.section === section && k.name === name);
      if (!info) throw new ConfigError(unknownKeyMessage(file, section, name));
      entries.push({ info, value });
    }
  }
  return entries;
}

/** Warns about FLOE_ variables that set nothing: a typo'd name would otherwise be silently ignored. */
function warnUnknownEnv(env: NodeJS.ProcessEnv, warn: (line: string) => void): void {
  const known = new Set([...OTHER_ENV, ...CONFIG_KEYS.flatMap((k) => k.env.filter((n) => n.startsWith('FLOE_')))]);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('FLOE_') || known.has(name) || TOOLING_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    const guess = closestName(name, known);
    warn(`floe: warning: environment variable ${name} is not a Floe setting and is ignored${guess ? `; did you mean ${guess}?` : ''}`);
  }
}

export function loadSettings(sources: ConfigSources = {}): Settings {
  const env = sources.env ?? process.env;
  const chosen = new Map<KeyInfo, Sourced>();

  const configFile = sources.configFile ?? env.FLOE_CONFIG;
  if (configFile) {
    for (const { info, value } of tomlEntries(configFile, readToml(configFile))) chosen.set(info, { value, source: `config file ${configFile}` });
  }
  if (sources.warn) warnUnknownEnv(env, sources.warn);
  for (const info of CONFIG_KEYS) {
    const set = info.env.filter((name) => env[name] !== undefined && env[name] !== '');
    // two Floe names of one key (FLOE_STORAGE, FLOE_OBJECT_STORE_URL) that disagree: neither wins
    const floeNames = set.filter((name) => name.startsWith('FLOE_'));
    if (floeNames.length > 1 && new Set(floeNames.map((name) => env[name])).size > 1) {
      throw new ConfigError(`${floeNames.join(' and ')} are both set, to different values: they name the same setting (${info.name}); unset one`);
    }
    // otherwise the first listed wins: a FLOE_ name over the SDK's own (AWS_REGION ...)
    if (set.length > 0) chosen.set(info, { value: env[set[0]!], source: `environment ${set[0]}` });
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const info = CONFIG_KEYS.find((k) => k.name === name);
    if (!info) throw new Error(`bug: flag for unknown config key ${name}`);
    chosen.set(info, { value, source: `flag --${flagName(info)}` });
  }

  const raw: Record<string, Record<string, unknown>> = { storage: {}, server: {}, catalog: {}, backup: {}, encryption: {}, auth: {} };
  for (const [info, { value, source }] of chosen) raw[info.section]![info.name] = coerce(info, value, source);
  if (raw.storage!.object_store_url === undefined) {
    if (sources.requireStorage) {
      throw new ConfigError('no storage given: name the catalog root with --storage URL or FLOE_STORAGE (or [storage] object_store_url in --config FILE)');
    }
    raw.storage!.object_store_url = 'memory://';
  }

  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [section, name] = issue.path as string[];
    const info = CONFIG_KEYS.find((k) => k.section === section && k.name === name);
    const chosenValue = info ? chosen.get(info) : undefined;
    const source = chosenValue?.source ?? 'default';
    // our own checks explain themselves; a schema's generic text would not, so show the value
    const problem = issue.code === 'custom' ? issue.message : JSON.stringify(chosenValue?.value ?? null);
    throw new ConfigError(`invalid value for ${name ?? section} (${source}): ${problem}${info ? `; allowed: ${info.allowed}` : ''}`);
  }
  return parsed.data;
}

function flagName(info: KeyInfo): string {
  if (info.name === 'object_store_url') return 'storage';
  if (info.section === 'auth') return info.name === 'insecure_allow_anonymous' ? 'insecure-allow-anonymous' : `auth-${info.name.replace(/_/g, '-')}`;
  return info.name.replace(/_/g, '-');
}
