// Validates HTTP responses against the official Iceberg REST OpenAPI spec, read from
// ../shared (never copied into the repo). Every response the integration tests receive goes
// through `validateResponse`; violations are collected and the contract test asserts none.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv ships CommonJS with a `default` export; under NodeNext the class sits on `.default`
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

const here = dirname(fileURLToPath(import.meta.url));
export const SPEC_PATH = resolve(here, '../../../shared/iceberg/rest-catalog-open-api.yaml');

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  specPath: string;
  pattern: RegExp;
  pointer: string;
  responses: Json;
}

export interface Violation {
  method: string;
  path: string;
  status: number;
  message: string;
}

/** The spec mixes 3.0's `nullable` into 3.1 schemas; turn it into a JSON-Schema null type. */
function normaliseNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(normaliseNullable);
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Json;
  if (obj.nullable === true) {
    if (typeof obj.type === 'string') obj.type = [obj.type, 'null'];
    else if (obj.$ref || obj.allOf || obj.oneOf || obj.anyOf) {
      const copy = { ...obj };
      delete copy.nullable;
      for (const k of Object.keys(obj)) delete obj[k];
      obj.anyOf = [copy, { type: 'null' }];
      return normaliseNullable(copy);
    }
  }
  delete obj.nullable;
  for (const value of Object.values(obj)) normaliseNullable(value);
}

/**
 * PrimitiveTypeValue is a oneOf whose alternatives overlap by design (5 is an int, a long, a
 * float and a double; "2024-01-01" is a string and a date): the column type, not the JSON,
 * decides which one a value is. As written no number or string can match exactly one, so any
 * literal, partition value or bound would fail; check it as anyOf. A ContentFile's partition
 * array has no way to say "null partition value" either, and Java's ContentFileParser writes
 * JSON null there: allow it.
 */
function relaxPrimitiveTypeValue(spec: Json): void {
  const schemas = (spec.components as Json | undefined)?.schemas as Json | undefined;
  const ptv = schemas?.PrimitiveTypeValue as Json | undefined;
  if (ptv?.oneOf) {
    ptv.anyOf = ptv.oneOf;
    delete ptv.oneOf;
  }
  const partition = ((schemas?.ContentFile as Json | undefined)?.properties as Json | undefined)?.partition as Json | undefined;
  if (partition?.items) partition.items = { anyOf: [partition.items, { type: 'null' }] };
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class ContractChecker {
  readonly violations: Violation[] = [];
  readonly checked = new Map<string, number>();
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly spec: Json;

  constructor(specPath = SPEC_PATH) {
    if (!existsSync(specPath)) throw new Error(`OpenAPI spec missing at ${specPath}: the contract test needs ../shared`);
    this.spec = parseYaml(readFileSync(specPath, 'utf8')) as Json;
    normaliseNullable(this.spec);
    relaxPrimitiveTypeValue(this.spec);
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec, 'spec');
    const paths = this.spec.paths as Record<string, Json>;
    for (const [specPath, item] of Object.entries(paths)) {
      for (const method of ['get', 'post', 'delete', 'head', 'put']) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const path = specPath.replace('/{prefix}', '');
        const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        this.operations.push({
          method: method.toUpperCase(),
          specPath,
          pattern,
          pointer: `/paths/${escapePointer(specPath)}/${method}/responses`,
          responses: op.responses as Json,
        });
      }
    }
  }

  private resolveRef(ref: string): { node: Json; pointer: string } {
    const pointer = ref.replace(/^#/, '');
    let node: unknown = this.spec;
    for (const part of pointer.split('/').slice(1)) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return { node: node as Json, pointer };
  }

  /** Returns the operation's spec path, or undefined when no operation matches. */
  validateResponse(method: string, urlPath: string, status: number, body: unknown): string | undefined {
    const path = urlPath.split('?')[0]!;
    const op = this.operations.find((o) => o.method === method && o.pattern.test(path));
    const record = (message: string) => this.violations.push({ method, path, status, message });
    if (!op) {
      if (status !== 404 && status !== 405) record('no operation in the spec matches this request');
      return undefined;
    }
    this.checked.set(`${op.method} ${op.specPath}`, (this.checked.get(`${op.method} ${op.specPath}`) ?? 0) + 1);
    const key = String(status);
    const family = `${key[0]}XX`;
    let responseKey = [key, family, 'default'].find((k) => op.responses[k] !== undefined);
    if (!responseKey) {
      record(`status ${status} is not declared for ${op.method} ${op.specPath}`);
      return op.specPath;
    }
    let response = op.responses[responseKey] as Json;
    let pointer = `${op.pointer}/${responseKey}`;
    if (typeof response.$ref === 'string') ({ node: response, pointer } = this.resolveRef(response.$ref));
    const content = response.content as Json | undefined;
    if (!content) {
      if (body !== undefined && body !== '') record(`expected no body, got ${JSON.stringify(body).slice(0, 200)}`);
      return op.specPath;
    }
    if (!content['application/json'] || method === 'HEAD') return op.specPath; // HEAD answers carry no body
    let schemaPointer = `${pointer}/content/application~1json/schema`;
    // Known spec bug (apache/iceberg#10571): the view operations declare their error bodies as
    // the bare ErrorModel, while the spec's examples and the Java client's ErrorResponseParser
    // need the {"error": ErrorModel} envelope every other operation uses. Check the envelope.
    const declared = (content['application/json'] as Json).schema as Json | undefined;
    if (declared?.$ref === '#/components/schemas/ErrorModel') schemaPointer = '/components/schemas/IcebergErrorResponse';
    let validate = this.validators.get(schemaPointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `spec#${schemaPointer}` });
      this.validators.set(schemaPointer, validate);
    }
    if (!validate(body)) {
      record(this.ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 500));
    }
    void responseKey;
    responseKey = undefined;
    return op.specPath;
  }
}

let shared: ContractChecker | undefined;
export function contractChecker(): ContractChecker {
  shared ??= new ContractChecker();
  return shared;
}
