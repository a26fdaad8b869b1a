// The operations of the Iceberg REST spec, read at run time from ../shared (never copied into the
// repo), with their parameters and request-body schemas resolved, so the fuzzer covers every
// operation the spec declares, including the ones this server does not serve.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SPEC_PATH } from '../contract/openapi.js';

export type Json = Record<string, unknown>;

export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
}

export interface SpecOperation {
  operationId: string;
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PUT';
  /** the spec path without /{prefix}, e.g. /v1/namespaces/{namespace} */
  path: string;
  parameters: SpecParameter[];
  /** the resolved request-body schema, when the operation takes a body */
  body?: Json;
}

export interface Spec {
  operations: SpecOperation[];
  /** resolves a `$ref` such as '#/components/schemas/TableUpdate' */
  resolve(ref: string): Json;
}

export function loadSpec(path = SPEC_PATH): Spec {
  if (!existsSync(path)) throw new Error(`OpenAPI spec missing at ${path}: the fuzzer needs ../shared`);
  const root = parseYaml(readFileSync(path, 'utf8')) as Json;
  const resolve = (ref: string): Json => {
    let node: unknown = root;
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (typeof node !== 'object' || node === null) throw new Error(`unresolvable $ref ${ref}`);
    return node as Json;
  };
  const deref = (node: Json): Json => (typeof node.$ref === 'string' ? deref(resolve(node.$ref)) : node);
  const operations: SpecOperation[] = [];
  for (const [specPath, rawItem] of Object.entries(root.paths as Record<string, Json>)) {
    const item = deref(rawItem);
    const shared = ((item.parameters as Json[] | undefined) ?? []).map(deref);
    for (const method of ['get', 'head', 'post', 'delete', 'put'] as const) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const parameters = [...shared, ...((op.parameters as Json[] | undefined) ?? []).map(deref)]
        .filter((p) => p.name !== 'prefix')
        .map((p) => ({ name: String(p.name), in: p.in as SpecParameter['in'], required: p.required === true, schema: (p.schema as Json) ?? {} }));
      const requestBody = op.requestBody ? deref(op.requestBody as Json) : undefined;
      const content = requestBody?.content as Record<string, Json> | undefined;
      const schema = content?.['application/json']?.schema as Json | undefined;
      operations.push({
        operationId: String(op.operationId),
        method: method.toUpperCase() as SpecOperation['method'],
        path: specPath.replace('/{prefix}', ''),
        parameters,
        ...(schema && { body: schema }),
      });
    }
  }
  if (operations.length < 20) throw new Error(`only ${operations.length} operations read from ${path}: is it the Iceberg REST spec?`);
  return { operations, resolve };
}
