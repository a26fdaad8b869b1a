// What Floe really has, for the deployment tests: the environment variables it reads, its
// default port, its commands and its probe paths — taken from the source (src/config,
// src/cli, src/http/probes.ts), never restated here — and a parser for the Dockerfile.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, loadSettings } from '../../src/config/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { PROBE_PATHS } from '../../src/http/probes.js';

export { PROBE_PATHS };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Variables the credential chains of the cloud SDKs read themselves (not our code). */
export const SDK_ENV = new Set([
  // AWS: IRSA (EKS) injects these two; the SDK's web identity provider reads them
  'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE',
  // Google: a key file outside workload identity
  'GOOGLE_APPLICATION_CREDENTIALS',
  // Azure workload identity (AKS) injects these; @azure/identity reads them
  'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_AUTHORITY_HOST',
]);

/** Variables the Node runtime itself reads. */
export const RUNTIME_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS']);

/** Every variable Floe's own code reads: the config keys' names plus `env.X` reads in src/. */
export function floeEnvNames(): Set<string> {
  const names = new Set(CONFIG_KEYS.flatMap((k) => k.env));
  for (const file of sourceFiles('src')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]!);
  }
  return names;
}

/** Names in `names` that are neither read by Floe nor by the SDKs and runtime underneath it. */
export function unknownEnvNames(names: Iterable<string>): string[] {
  const known = floeEnvNames();
  return [...new Set(names)].filter((n) => !known.has(n) && !SDK_ENV.has(n) && !RUNTIME_ENV.has(n)).sort();
}

export const DEFAULT_PORT: number = loadSettings({ env: {} }).server.port;

export const COMMANDS: string[] = buildProgram().commands.map((c) => c.name());

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = trimmed.endsWith('\\');
    const piece = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${piece}`, line: pending.line } : { text: piece, line: index + 1 };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text)!;
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = undefined;
  });
  return out;
}

/** KEY=value pairs of an ENV or ARG instruction (values may be double-quoted). */
export function assignments(args: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const value = match[2]!;
    result[match[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return result;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export function stages(instructions: Instruction[]): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const result: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? '');
      result.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (result.length === 0) {
      if (instruction.keyword === 'ARG') Object.assign(args, assignments(instruction.args));
    } else {
      result.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages: result };
}
