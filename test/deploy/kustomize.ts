// The part of kustomize the manifests in deploy/kubernetes use, so the test can validate what
// `kubectl apply -k` would send: `resources` (files and directories holding a
// kustomization.yaml) and `patches` with a path to one strategic-merge patch. Anything else
// in a kustomization is refused rather than ignored, and so is a list in a patch whose merge
// behaviour is not in MERGE_KEYS, so the emulation can never quietly differ from kustomize.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } & Record<string, unknown> };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The strategic-merge key of each list field the patches may touch; null = replaced whole. */
const MERGE_KEYS: Record<string, string | null> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  args: null,
  command: null,
  drop: null,
};
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches']);

export function readYamlDocuments(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function strategicMerge(base: Json, patch: Json, path: string[] = []): Json {
  if (Array.isArray(patch)) {
    const field = path.at(-1)!;
    if (!(field in MERGE_KEYS)) throw new Error(`patch list at ${path.join('.')}: merge behaviour unknown to this emulation`);
    const key = MERGE_KEYS[field];
    if (key === null || !Array.isArray(base)) return patch;
    const merged = [...base];
    for (const item of patch) {
      if (!isObject(item) || !(key in item)) throw new Error(`patch list item at ${path.join('.')} lacks its merge key ${key}`);
      const at = merged.findIndex((b) => isObject(b) && b[key] === item[key]);
      if (at === -1) merged.push(item);
      else merged[at] = strategicMerge(merged[at]!, item, path);
    }
    return merged;
  }
  if (isObject(patch) && isObject(base)) {
    const merged: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(patch)) merged[k] = k in base ? strategicMerge(base[k]!, v, [...path, k]) : v;
    return merged;
  }
  return patch;
}

export interface Built {
  resources: Manifest[];
  /** every file read, so a test can tell which ones the build used */
  files: string[];
}

/** What `kustomize build dir` yields for the subset above. */
export function build(dir: string): Built {
  const kustomizationFile = join(dir, 'kustomization.yaml');
  const [kustomization] = readYamlDocuments(kustomizationFile) as unknown as [Record<string, unknown>];
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new Error(`${kustomizationFile}: field ${field} is not emulated by test/deploy/kustomize.ts`);
  }
  const files = [kustomizationFile];
  const resources: Manifest[] = [];
  for (const entry of (kustomization.resources ?? []) as string[]) {
    const target = join(dir, entry);
    if (statSync(target).isDirectory()) {
      const inner = build(target);
      resources.push(...inner.resources);
      files.push(...inner.files);
    } else {
      resources.push(...readYamlDocuments(target));
      files.push(target);
    }
  }
  for (const patch of (kustomization.patches ?? []) as Array<Record<string, unknown>>) {
    if (Object.keys(patch).join() !== 'path') throw new Error(`${kustomizationFile}: only patches with a path are emulated`);
    const file = join(dir, patch.path as string);
    const docs = readYamlDocuments(file);
    if (docs.length !== 1) throw new Error(`${file}: one patch per file`);
    const body = docs[0]!;
    const matches = resources.filter((r) => r.apiVersion === body.apiVersion && r.kind === body.kind && r.metadata.name === body.metadata.name);
    if (matches.length !== 1) throw new Error(`${file}: patches ${matches.length} resources (${body.kind}/${body.metadata.name}); exactly one expected`);
    const at = resources.indexOf(matches[0]!);
    resources[at] = strategicMerge(resources[at] as unknown as Json, body as unknown as Json) as unknown as Manifest;
    files.push(file);
  }
  const ids = resources.map((r) => `${r.kind}/${r.metadata.name}`);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${dir}: ${duplicate} appears twice`);
  return { resources, files };
}
