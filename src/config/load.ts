// Resolves Settings from defaults, a TOML file, the environment and command-line flags, in
// that order of increasing precedence, remembering where each value came from so an invalid
// one can be reported as "key (source): problem; allowed: ...".
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { settingsSchema, type Settings } from './settings.js';

type KeyType = 'string' | 'int' | 'boolean';
interface KeyInfo {
  section: 'storage' | 'server' | 'catalog' | 'backup';
  name: string;
  type: KeyType;
  /** environment variables that set it, strongest first (FLOE_<KEY> is always first) */
  env: string[];
  allowed: string;
}

function key(section: KeyInfo['section'], name: string, type: KeyType, allowed: string, extraEnv: string[] = []): KeyInfo {
  return { section, name, type, allowed, env: [`FLOE_${name.toUpperCase()}`, ...extraEnv] };
}

export const CONFIG_KEYS: KeyInfo[] = [
  key('storage', 'object_store_url', 'string', 'memory:// | file:///abs/path | s3://bucket/prefix | gs://bucket/prefix | az://container/prefix', ['FLOE_STORAGE']),
  key('storage', 'aws_region', 'string', 'an AWS region name, e.g. us-east-1', ['AWS_REGION', 'AWS_DEFAULT_REGION']),
  key('storage', 'aws_endpoint', 'string', 'an http(s) URL, e.g. http://minio.local:9000', ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']),
  key('storage', 'aws_allow_http', 'boolean', 'true or false'),
  key('storage', 'azure_storage_account', 'string', 'an Azure storage account name', ['AZURE_STORAGE_ACCOUNT']),
  key('storage', 'azure_endpoint', 'string', 'an http(s) URL of the blob service, e.g. http://127.0.0.1:10000/devstoreaccount1', ['AZURE_STORAGE_BLOB_ENDPOINT']),
  key('storage', 'gcs_endpoint', 'string', 'an http(s) URL of a GCS JSON API endpoint, e.g. http://127.0.0.1:4443'),
  key('storage', 's3_multipart_threshold_mb', 'int', 'an integer from 5 to 5120'),
  key('storage', 's3_multipart_chunk_size_mb', 'int', 'an integer from 5 to 5120'),
  key('storage', 's3_max_concurrent_requests', 'int', 'an integer from 1 to 10000'),
  key('server', 'host', 'string', 'an interface address, e.g. 127.0.0.1 or 0.0.0.0'),
  key('server', 'port', 'int', 'an integer from 0 to 65535'),
  key('server', 'warehouse', 'string', 'a URL: file:///abs/path, s3://, gs://, az:// or memory://'),
  key('server', 'allowed_hosts', 'string', 'comma-separated host names, e.g. floe.internal,catalog.example.com'),
  key('catalog', 'checkpoint_interval', 'int', 'an integer from 1 to 1000000'),
  key('catalog', 'consistency', 'string', 'linearizable or bounded'),
  key('catalog', 'max_staleness_ms', 'int', 'an integer from 0 to 3600000'),
  key('catalog', 'idempotency_key_lifetime', 'string', 'an ISO-8601 duration such as PT30M'),
  { ...key('backup', 'location', 'string', 'a URL or absolute directory for scheduled backups'), env: ['FLOE_BACKUP_LOCATION', 'FLOE_LOCATION'] },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** values from command-line flags, keyed by config key name (e.g. object_store_url) */
  flags?: Record<string, string | number | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
  /** path of a TOML file; when absent FLOE_CONFIG from env is used */
  configFile?: string;
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
    throw new ConfigError(`config file ${file} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function loadSettings(sources: ConfigSources = {}): Settings {
  const env = sources.env ?? process.env;
  const chosen = new Map<KeyInfo, Sourced>();

  const configFile = sources.configFile ?? env.FLOE_CONFIG;
  if (configFile) {
    const toml = readToml(configFile);
    for (const [section, body] of Object.entries(toml)) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ConfigError(`config file ${configFile}: [${section}] must be a table`);
      }
      for (const [name, value] of Object.entries(body)) {
        const info = CONFIG_KEYS.find((k) => k.section === section && k.name === name);
        if (!info) throw new ConfigError(`config file ${configFile}: unknown key [${section}] ${name}`);
        chosen.set(info, { value, source: `config file ${configFile}` });
      }
    }
  }
  for (const info of CONFIG_KEYS) {
    // weakest first, so the strongest variable wins
    for (const name of [...info.env].reverse()) {
      const value = env[name];
      if (value !== undefined && value !== '') chosen.set(info, { value, source: `environment ${name}` });
    }
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const info = CONFIG_KEYS.find((k) => k.name === name);
    if (!info) throw new Error(`bug: flag for unknown config key ${name}`);
    chosen.set(info, { value, source: `flag --${flagName(info)}` });
  }

  const raw: Record<string, Record<string, unknown>> = { storage: {}, server: {}, catalog: {}, backup: {} };
  for (const [info, { value, source }] of chosen) raw[info.section]![info.name] = coerce(info, value, source);
  raw.storage!.object_store_url ??= 'memory://';

  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [section, name] = issue.path as string[];
    const info = CONFIG_KEYS.find((k) => k.section === section && k.name === name);
    const source = info ? chosen.get(info)?.source ?? 'default' : 'config';
    throw new ConfigError(
      `invalid value for ${name ?? section} (${source}): ${issue.message}${info ? `; allowed: ${info.allowed}` : ''}`,
    );
  }
  return parsed.data;
}

function flagName(info: KeyInfo): string {
  if (info.name === 'object_store_url') return 'storage';
  return info.name.replace(/_/g, '-');
}
