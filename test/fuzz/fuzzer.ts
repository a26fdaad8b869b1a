// A seeded HTTP fuzzer over every operation of the Iceberg REST spec, against the real server on
// a file:// store in a temp dir. It checks every answer (no 5xx, errors in the Iceberg envelope
// with code == status, no body on HEAD) and afterwards the whole run: the server alive, every
// entity listable and loadable, `floe status` healthy on the storage, and nothing written or
// deleted outside the warehouse and storage dirs (the temp parent is walked).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openCatalog, type Catalog } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { buildApp } from '../../src/http/index.js';
import { status } from '../../src/cli/status.js';
import { openObjectStore } from '../../src/objectstore/index.js';
import { CatalogStore } from '../../src/store/index.js';
import { seededRng } from '../../src/util/rng.js';
import { BodyGen, type FuzzState } from './bodies.js';
import { KNOWN_OPEN, type KnownOpen } from './known-open.js';
import { loadSpec, type SpecOperation, type SpecParameter } from './spec.js';
import {
  deepJson, Gen, HOSTILE_HEADER_VALUES, HOSTILE_QUERY_VALUES, HOSTILE_SEGMENTS, malformedJson, NAME_TRAVERSAL_STEPS_MAX, toJsonText,
} from './values.js';
import { REQUEST_BODY_BYTES_MAX } from '../../src/config/limits.js';

export interface FuzzOptions {
  seed: number;
  requests: number;
  /** progress and findings as they happen */
  log?: (line: string) => void;
  /** keep the temp dir for inspection */
  keep?: boolean;
}

export interface SentRequest {
  operationId: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export type FindingKind =
  | '5xx' | 'envelope' | 'echo' | 'head-body' | 'no-answer' | 'dead' | 'unloadable' | 'unlisted' | 'status' | 'outside-write' | 'outside-delete';

export interface Finding {
  kind: FindingKind;
  detail: string;
  request?: SentRequest;
  status?: number;
  response?: string;
  /** the error the server raised, for 5xx */
  serverError?: string;
  /** the KNOWN_OPEN cause that explains it, if any */
  knownOpen?: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, number>;
  /** 2xx answers per operation: how much got past validation */
  okByOperation: Record<string, number>;
  /** where the run spent its time (operation/body size), to keep the CI run short */
  timeMs: Record<string, number>;
  /** findings no KNOWN_OPEN entry explains: the run fails when there is any */
  findings: Finding[];
  /** findings explained by a KNOWN_OPEN entry, counted per entry */
  knownOpen: Record<string, number>;
  knownOpenExamples: Finding[];
}

/** Nesting of the warehouse below the temp parent: deeper than any hostile name can climb. */
const WAREHOUSE_DEPTH = 2 * (NAME_TRAVERSAL_STEPS_MAX + 16 + 2);
const REQUEST_TIMEOUT_MS = 60_000;
const CANARY = 'Zq9xCanary: must never be read back, changed or deleted';
/** a register error used to echo a file's first 10 bytes: look for fewer */
const CANARY_MARK = CANARY.slice(0, 9);

interface Layout {
  parent: string;
  warehouse: string;
  storage: string;
  outside: string;
  canaries: string[];
}

function makeLayout(): Layout {
  const parent = mkdtempSync(join(tmpdir(), 'floe-fuzz-'));
  let deep = parent;
  for (let i = 0; i < WAREHOUSE_DEPTH; i++) deep = join(deep, 'd');
  const warehouse = join(deep, 'warehouse');
  const storage = join(deep, 'storage');
  const outside = join(parent, 'outside');
  for (const dir of [warehouse, storage, join(outside, 'etc')]) mkdirSync(dir, { recursive: true });
  const canaries = [join(outside, 'canary.txt'), join(outside, 'etc', 'passwd'), join(deep, 'canary.txt'), join(parent, 'd', 'canary.txt')];
  for (const file of canaries) writeFileSync(file, CANARY);
  return { parent, warehouse, storage, outside, canaries };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    out.push(full);
    if (lstatSync(full).isDirectory()) walk(full, out);
  }
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const entityKey = (kind: string, path: readonly string[]) => `${kind}\u0000${path.join('\u001f')}`;

const encodeLevels = (levels: string[]) => levels.map((l) => encodeURIComponent(l)).join('%1F');

class Server {
  private constructor(
    readonly app: FastifyInstance,
    readonly catalog: Catalog,
    readonly port: number,
    readonly errors: string[],
  ) {}

  static async start(layout: Layout, seed: number): Promise<Server> {
    const settings = loadSettings({ env: {}, flags: { object_store_url: `file://${layout.storage}` } });
    const catalog = await openCatalog({ settings, warehouseUrl: `file://${layout.warehouse}`, rng: seededRng(seed ^ 0x5eed) });
    const app = buildApp({ catalog });
    const errors: string[] = [];
    // the server's own account of each 5xx, to name its cause in the report
    app.addHook('onError', async (_request, _reply, error) => {
      errors.push(`${error.name}: ${error.message}`.slice(0, 2000) + `\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}`);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    return new Server(app, catalog, typeof address === 'object' && address ? address.port : 0, errors);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.catalog.close();
  }
}

export interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

function send(agent: Agent, port: number, req: SentRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** Checks one answer; returns what is wrong with it, if anything. */
export function judge(req: SentRequest, answer: Answer): Array<{ kind: FindingKind; detail: string }> {
  const problems: Array<{ kind: FindingKind; detail: string }> = [];
  if (answer.text.includes(CANARY_MARK)) problems.push({ kind: 'echo', detail: 'the answer echoes the content of a file outside the warehouse' });
  if (answer.status >= 500) problems.push({ kind: '5xx', detail: `status ${answer.status}` });
  if (req.method === 'HEAD') {
    if (answer.text !== '') problems.push({ kind: 'head-body', detail: 'a HEAD answer carries a body' });
    return problems;
  }
  if (answer.status >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      body = undefined;
    }
    const error = (body as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined)?.error;
    const ok =
      typeof body === 'object' && body !== null && Object.keys(body).length === 1 && error !== undefined &&
      typeof error.message === 'string' && typeof error.type === 'string' && error.type !== '' && error.code === answer.status;
    if (!ok) problems.push({ kind: 'envelope', detail: `error answer ${answer.status} not in the Iceberg envelope` });
  }
  return problems;
}

const truncate = (s: string | undefined, n = 400) => (s === undefined ? undefined : s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  // FLOE_FUZZ_TRACE=updateTable logs every exchange of that operation
  const trace = process.env.FLOE_FUZZ_TRACE;
  const spec = loadSpec();
  const gen = new Gen(seededRng(options.seed));
  const layout = makeLayout();
  const report: FuzzReport = { seed: options.seed, requests: 0, byStatus: {}, byOperation: {}, okByOperation: {}, timeMs: {}, findings: [], knownOpen: {}, knownOpenExamples: [] };
  const record = (finding: Finding) => {
    const cause = KNOWN_OPEN.find((k: KnownOpen) => k.matches(finding));
    if (cause) {
      finding.knownOpen = cause.id;
      report.knownOpen[cause.id] = (report.knownOpen[cause.id] ?? 0) + 1;
      if (report.knownOpen[cause.id] === 1) report.knownOpenExamples.push(shorten(finding));
      return;
    }
    report.findings.push(shorten(finding));
    log(`FINDING ${finding.kind}: ${finding.detail} ${finding.request ? `${finding.request.method} ${truncate(finding.request.path, 200)}` : ''}`);
  };

  const tableLocations: string[] = [];
  const metadataLocations: string[] = [];
  const state: FuzzState = {
    namespaces: [],
    tables: [],
    views: [],
    planIds: [],
    insideLocation: (g) => {
      if (tableLocations.length && g.chance(0.4)) return `${g.pick(tableLocations)}/${g.pick(['data', 'metadata'])}/${g.plainName()}`;
      if (metadataLocations.length && g.chance(0.2)) return g.pick(metadataLocations);
      return `file://${layout.warehouse}/${g.plainName()}`;
    },
    // "outside the warehouse" is a sibling dir in the temp parent (outside/etc stands for
    // file:///etc): the run may be root on a shared machine, and the walk afterwards sees it
    hostileLocation: (g) => {
      const w = layout.warehouse;
      return g.pick([
        'memory://', 'memory://fz/x', 'memory:///', `file://${layout.outside}/etc`, `file://${layout.outside}`, `file://${layout.outside}/canary.txt`,
        `file://${layout.parent}`, `file://${w}/..`, `file://${w}/../../fz`, `file://${w}/%2E%2E/%2E%2E/fz`, `file://${w}/a%00b`, `file://${w}/a\\b`,
        `file://${w}\\..\\fz`, `file://${w}/%ED%A0%80`, `file://${w}/%`, `file://${w}/%zz`, `file://${w}/x?q=1#f`, `file:${w}`, 'file://relative/x',
        w, `FILE://${w}/fz`, `file://${w}/${'x'.repeat(5000)}`, `file://${w}/fz/./.`, `file://${w}//fz`, 's3://other-bucket/x', 'gs://other/x',
        'az://other/x', 'http://127.0.0.1:1/x', 'hdfs://x/y', '', ' ', `file://${w}/\u0000`, `file://${w}/\ud800`, `file://${w}/a%1Fb`,
        ...(tableLocations.length ? [`${g.pick(tableLocations)}`, `${g.pick(tableLocations)}/..`, `${g.pick(tableLocations)}/../../fz`] : []),
      ]);
    },
  };
  const bodies = new BodyGen(gen, spec, state, Date.now());
  const server = await Server.start(layout, options.seed);
  let closed = false;
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let errorsSeen = 0;

    const exchange = async (req: SentRequest): Promise<Answer | undefined> => {
      report.requests++;
      report.byOperation[req.operationId] = (report.byOperation[req.operationId] ?? 0) + 1;
      let answer: Answer;
      const started = performance.now();
      try {
        answer = await send(agent, server.port, req);
        const size = req.body === undefined ? 0 : req.body.length > 1e6 ? 2 : req.body.length > 1e4 ? 1 : 0;
        const key = `${req.operationId}/${['small', 'large', 'huge'][size]}`;
        report.timeMs[key] = (report.timeMs[key] ?? 0) + performance.now() - started;
      } catch (error) {
        record({ kind: 'no-answer', detail: (error as Error).message, request: req });
        return undefined;
      }
      report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
      if (answer.status < 300) report.okByOperation[req.operationId] = (report.okByOperation[req.operationId] ?? 0) + 1;
      const serverError = server.errors.length > errorsSeen ? server.errors.slice(errorsSeen).join('\n---\n') : undefined;
      errorsSeen = server.errors.length;
      for (const problem of judge(req, answer)) {
        record({ ...problem, request: req, status: answer.status, response: answer.text, ...(serverError && answer.status >= 500 && { serverError }) });
      }
      return answer;
    };

    // A little real state first, so that the fuzz reaches tables, snapshots and views.
    for (let i = 0; i < 4; i++) {
      const levels = i < 3 ? [`fz${i}`] : ['fz0', 'inner'];
      const answer = await exchange(jsonReq('createNamespace', 'POST', '/v1/namespaces', { namespace: levels }));
      if (answer?.status === 200) state.namespaces.push(levels);
    }
    for (let i = 0; i < 4; i++) {
      const levels = state.namespaces[i % state.namespaces.length]!;
      const body = { name: `t${i}`, schema: bodies.schema(3, 0, true) };
      const answer = await exchange(jsonReq('createTable', 'POST', `/v1/namespaces/${encodeLevels(levels)}/tables`, body));
      if (answer?.status === 200) learnTable(levels, `t${i}`, answer.text);
    }
    const view = bodies.viewBody();
    view.name = 'v0';
    if ((await exchange(jsonReq('createView', 'POST', `/v1/namespaces/fz0/views`, view)))?.status === 200) state.views.push({ namespace: ['fz0'], name: 'v0' });

    function learnTable(namespace: string[], name: string, text: string): void {
      let parsed: { 'metadata-location'?: string; metadata?: { location?: string; schemas?: Array<{ fields?: Array<{ id?: number }> }> } };
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      const fieldIds = (parsed.metadata?.schemas ?? []).flatMap((s) => (s.fields ?? []).map((f) => f.id)).filter((id): id is number => typeof id === 'number');
      // snapshot ids may be beyond 2^53: read them from the text, not the parsed numbers
      const snapshotIds = [...text.matchAll(/"snapshot-id":(-?\d+)/g)].map((m) => m[1]!);
      const existing = state.tables.find((t) => t.name === name && t.namespace.join('\u001f') === namespace.join('\u001f'));
      if (existing) Object.assign(existing, { fieldIds, snapshotIds });
      else state.tables.push({ namespace, name, fieldIds, snapshotIds });
      if (parsed.metadata?.location && tableLocations.length < 64) tableLocations.push(parsed.metadata.location);
      if (parsed['metadata-location'] && metadataLocations.length < 64) metadataLocations.push(parsed['metadata-location']);
    }

    // the operations behind which most code sits are sent more often
    const WEIGHTS: Record<string, number> = { updateTable: 6, commitTransaction: 2, createTable: 3, createView: 2, replaceView: 2, loadTable: 2, createNamespace: 2 };
    const weighted = spec.operations.flatMap((op) => Array.from({ length: WEIGHTS[op.operationId] ?? 1 }, () => op));
    for (let i = 0; report.requests < options.requests; i++) {
      const op = gen.pick(weighted);
      const built = buildRequest(op);
      const answer = await exchange(built.req);
      if (answer) learn(op, built, answer);
      if (answer && (trace === op.operationId || trace === '*')) log(`trace ${op.operationId} ${answer.status} ${truncate(built.req.path, 200)} ${truncate(built.req.body, 300)} -> ${truncate(answer.text, 300)}`);
      if (i % 500 === 0) log(`${report.requests} requests, ${report.findings.length} findings`);
    }

    interface Built {
      req: SentRequest;
      /** the entity the path names, when it was built from plain names */
      levels?: string[];
      name?: string;
      body?: unknown;
    }

    function buildRequest(op: SpecOperation): Built {
      let levels: string[] | undefined;
      let name: string | undefined;
      let table = state.tables.length && gen.chance(0.8) ? gen.pick(state.tables) : undefined;
      const viewPath = op.path.includes('{view}');
      const existingView = viewPath && state.views.length && gen.chance(0.8) ? gen.pick(state.views) : undefined;
      if (!op.path.includes('{table}') && !viewPath) table = undefined;
      const segment = (param: string): string => {
        if (param === 'namespace') {
          const chosen = table?.namespace ?? existingView?.namespace;
          if (chosen && gen.chance(0.9)) return encodeLevels((levels = chosen));
          if (state.namespaces.length && gen.chance(0.75)) return encodeLevels((levels = gen.pick(state.namespaces)));
          if (gen.chance(0.5)) return encodeLevels((levels = bodies.namespace()));
          levels = undefined;
          return gen.pick(HOSTILE_SEGMENTS);
        }
        if (param === 'table' || param === 'view' || param === 'function') {
          const chosen = table?.name ?? existingView?.name;
          if (chosen && gen.chance(0.9)) return encodeURIComponent((name = chosen));
          if (gen.chance(0.5)) return encodeURIComponent((name = gen.plainName()));
          name = undefined;
          return gen.pick(HOSTILE_SEGMENTS);
        }
        if (param === 'plan-id') return state.planIds.length && gen.chance(0.6) ? encodeURIComponent(gen.pick(state.planIds)) : gen.pick(HOSTILE_SEGMENTS);
        return gen.pick(HOSTILE_SEGMENTS);
      };
      let path = op.path.replace(/\{([^}]+)\}/g, (_m, param: string) => {
        try {
          return segment(param);
        } catch {
          return gen.pick(HOSTILE_SEGMENTS); // a lone surrogate in a stored name cannot be URI-encoded
        }
      });
      if (gen.chance(0.02)) path = path.replace(/\/[^/]+$/, `/${gen.pick(HOSTILE_SEGMENTS)}`);
      if (gen.chance(0.02)) path += gen.pick(['/', '//', '/..', '/.', '/x']);
      path += query(op.parameters.filter((p) => p.in === 'query'));

      let method: string = op.method;
      if (gen.chance(0.02)) method = gen.pick(['PUT', 'PATCH', 'OPTIONS', 'GET', 'DELETE', 'POST']);
      const headers: Record<string, string> = {};
      for (const p of op.parameters.filter((p) => p.in === 'header')) if (gen.chance(0.15)) headers[p.name.toLowerCase()] = headerValue(p);
      if ((method === 'POST' || method === 'DELETE') && gen.chance(0.1)) headers['idempotency-key'] = gen.chance(0.7) ? uuidV7() : gen.pick(HOSTILE_HEADER_VALUES);
      if (method === 'GET' && gen.chance(0.05)) headers['if-none-match'] = gen.pick(HOSTILE_HEADER_VALUES);
      if (gen.chance(0.03)) headers['x-floe-consistency'] = gen.pick(HOSTILE_HEADER_VALUES);

      let bodyValue: unknown;
      let bodyText: string | undefined;
      if (op.body && method !== 'GET' && method !== 'HEAD') {
        ({ value: bodyValue, text: bodyText } = body(op, table));
      } else if (method !== 'GET' && method !== 'HEAD' && gen.chance(0.05)) {
        bodyText = toJsonText(bodies.junk());
      }
      if (bodyText !== undefined) {
        const roll = gen.rng.next();
        headers['content-type'] = roll < 0.94 ? 'application/json' : roll < 0.97 ? 'application/json; charset=utf-8' : gen.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']);
        headers['content-length'] = String(Buffer.byteLength(bodyText));
      }
      return { req: { operationId: op.operationId, method, path, headers, ...(bodyText !== undefined && { body: bodyText }) }, levels, name, body: bodyValue };
    }

    function query(params: SpecParameter[]): string {
      const parts: string[] = [];
      for (const p of params) {
        if (!gen.chance(0.4)) continue;
        const times = gen.chance(0.1) ? 2 + gen.int(2) : 1;
        for (let i = 0; i < times; i++) parts.push(`${p.name}=${queryValue(p.name)}`);
      }
      if (gen.chance(0.05)) parts.push(gen.pick(['x=1', 'parent', '=', '&&', 'pageToken', '%zz=1', 'a=%', 'snapshots[]=refs', 'purgeRequested=true&purgeRequested=false']));
      return parts.length ? `?${parts.join('&')}` : '';
    }

    function queryValue(param: string): string {
      if (gen.chance(0.5)) {
        if (param === 'parent' && state.namespaces.length) return encodeLevels(gen.pick(state.namespaces));
        if (param === 'pageSize') return String(gen.pick([1, 2, 10, 1000]));
        if (param === 'snapshots') return gen.pick(['all', 'refs']);
        if (param === 'purgeRequested') return gen.pick(['true', 'false']);
        if (param === 'planId' && state.planIds.length) return encodeURIComponent(gen.pick(state.planIds));
      }
      return gen.pick(HOSTILE_QUERY_VALUES);
    }

    function headerValue(p: SpecParameter): string {
      if (p.name.toLowerCase() === 'idempotency-key') return uuidV7();
      if (p.name.toLowerCase() === 'x-iceberg-access-delegation') return gen.pick(['vended-credentials', 'remote-signing', 'vended-credentials,remote-signing', 'x']);
      return gen.pick(HOSTILE_HEADER_VALUES);
    }

    function uuidV7(): string {
      const u = gen.rng.uuid();
      return `${u.slice(0, 14)}7${u.slice(15)}`;
    }

    function plausible(op: SpecOperation, table: FuzzState['tables'][number] | undefined): unknown {
      switch (op.operationId) {
        case 'createNamespace':
          return { namespace: gen.chance(0.6) ? [gen.plainName()] : bodies.namespace().concat(gen.chance(0.5) ? [gen.plainName()] : []), ...(gen.chance(0.5) && { properties: bodies.properties() }) };
        case 'updateProperties':
          return { updates: bodies.properties(), removals: gen.chance(0.5) ? ['owner'] : [] };
        case 'createTable':
          return bodies.createTable();
        case 'updateTable':
          return bodies.commit(table);
        case 'commitTransaction': {
          const changes = Array.from({ length: 1 + gen.int(3) }, () => {
            const t = state.tables.length ? gen.pick(state.tables) : undefined;
            return { identifier: t ? { namespace: t.namespace, name: t.name } : bodies.instance({ $ref: '#/components/schemas/TableIdentifier' }), ...bodies.commit(t) };
          });
          return { 'table-changes': changes };
        }
        case 'createView':
          return bodies.viewBody();
        case 'registerTable':
        case 'registerView':
          return { name: bodies.name(), 'metadata-location': gen.chance(0.5) && metadataLocations.length ? gen.pick(metadataLocations) : state.hostileLocation(gen), ...(gen.chance(0.2) && { overwrite: gen.chance(0.5) }) };
        case 'renameTable':
        case 'renameView': {
          const pool = op.operationId === 'renameTable' ? state.tables : state.views;
          const source = pool.length ? gen.pick(pool) : { namespace: bodies.namespace(), name: bodies.name() };
          return { source: { namespace: source.namespace, name: source.name }, destination: { namespace: bodies.namespace(), name: bodies.name() } };
        }
        case 'signRequest':
          return {
            region: gen.pick(['us-east-1', '', 'x']),
            method: gen.pick(['GET', 'PUT', 'DELETE', 'HEAD', 'POST', 'get', 'x']),
            uri: gen.pick([...tableLocations.map((l) => `${l}/data/f`), 'https://bkt.attacker.example/x', 'http://127.0.0.1/x', 's3://other/x', '%', '', 'https://bucket.s3.amazonaws.com/..\\..\\x']),
            headers: gen.chance(0.5) ? { host: [gen.pick(['evil.example', 'bucket.s3.amazonaws.com'])] } : {},
          };
        default:
          return op.body ? bodies.instance(op.body) : {};
      }
    }

    function body(op: SpecOperation, table: FuzzState['tables'][number] | undefined): { value?: unknown; text: string } {
      const roll = gen.rng.next();
      if (roll < 0.55) {
        const value = plausible(op, table);
        return { value, text: toJsonText(value) };
      }
      if (roll < 0.7) return { text: toJsonText(bodies.mutate(plausible(op, table))) };
      if (roll < 0.79) return { text: toJsonText(bodies.instance(op.body!)) };
      if (roll < 0.86) return { text: malformedJson(gen, toJsonText(plausible(op, table))) };
      if (roll < 0.9) return { text: toJsonText(bodies.junk()) };
      if (roll < 0.95) return { text: deepBody(op) };
      // large bodies are few: each costs the server (and a 2-core CI runner) real time
      if (roll < 0.97) return { text: hugeBody(op, table) };
      if (roll < 0.9715) return { text: overLimitBody() };
      return { text: gen.pick(['', ' ', '\n']) };
    }

    function deepBody(op: SpecOperation): string {
      const depth = gen.pick([64, 200, 1000, 1500, 5000, 20_000, 200_000]);
      if (op.operationId === 'createTable' && gen.chance(0.7)) return `{"name":"${gen.plainName()}","schema":${bodies.deepSchemaText(depth)}}`;
      if (op.operationId === 'updateTable' && gen.chance(0.7)) {
        return `{"requirements":[],"updates":[{"action":"add-schema","schema":${bodies.deepSchemaText(depth)}}]}`;
      }
      if (op.operationId === 'createView' && gen.chance(0.5)) {
        const v = toJsonText(bodies.viewBody());
        return v.replace(/"schema":\{[^]*?\},"view-version"/, `"schema":${bodies.deepSchemaText(depth)},"view-version"`);
      }
      return gen.chance(0.5) ? deepJson(depth, gen.chance(0.5) ? 'array' : 'object') : `{"namespace":${deepJson(depth, 'array')},"name":"x"}`;
    }

    function hugeBody(op: SpecOperation, table: FuzzState['tables'][number] | undefined): string {
      const bytes = gen.chance(0.1) ? REQUEST_BODY_BYTES_MAX - 64 : gen.pick([100_000, 500_000, 2_000_000]);
      const value = plausible(op, table) as Record<string, unknown>;
      switch (gen.int(4)) {
        case 0:
          return toJsonText({ ...(typeof value === 'object' && value ? value : {}), name: 'x'.repeat(bytes - 200) });
        case 1: {
          const entries = Math.floor(bytes / 40);
          const props = Array.from({ length: entries }, (_, i) => `"k${i}":"${'v'.repeat(20)}"`).join(',');
          return `{"namespace":["${gen.plainName()}"],"properties":{${props}},"updates":{${props}}}`;
        }
        case 2: {
          const n = Math.floor(bytes / 60);
          const fields = Array.from({ length: n }, (_, i) => `{"id":${i + 1},"name":"c${i}","type":"long","required":false}`).join(',');
          return `{"name":"${gen.plainName()}","schema":{"type":"struct","schema-id":0,"fields":[${fields}]}}`;
        }
        default: {
          const n = Math.floor(bytes / 60);
          const updates = Array.from({ length: n }, () => `{"action":"set-properties","updates":{"k":"v"}}`).join(',');
          return `{"requirements":[],"updates":[${updates}]}`;
        }
      }
    }

    function overLimitBody(): string {
      return `{"name":"${'x'.repeat(REQUEST_BODY_BYTES_MAX + 16)}"}`;
    }

    function learn(op: SpecOperation, built: Built, answer: Answer): void {
      const { levels, name } = built;
      const body = built.body as Record<string, unknown> | undefined;
      const plainLevels = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((l) => typeof l === 'string');
      const same = (e: { namespace: string[]; name: string }) => e.name === name && levels !== undefined && e.namespace.join('\u001f') === levels.join('\u001f');
      if (built.req.method !== op.method) {
        // a method swapped on a table or view path: a DELETE there drops it
        if (built.req.method === 'DELETE' && answer.status === 204) {
          state.tables = state.tables.filter((t) => !same(t));
          state.views = state.views.filter((v) => !same(v));
        }
        return;
      }
      switch (op.operationId) {
        case 'createNamespace':
          if (answer.status === 200 && plainLevels(body?.namespace) && state.namespaces.length < 200) state.namespaces.push(body.namespace);
          break;
        case 'dropNamespace':
          if (answer.status === 204 && levels) state.namespaces = state.namespaces.filter((n) => n.join('\u001f') !== levels.join('\u001f'));
          break;
        case 'createTable':
        case 'registerTable':
          // a staged create answers 200 but creates nothing
          if (answer.status === 200 && levels && typeof body?.name === 'string' && body['stage-create'] !== true && state.tables.length < 200) {
            learnTable(levels, body.name, answer.text);
          }
          break;
        case 'loadTable':
        case 'updateTable':
          if (answer.status === 200 && levels && name) learnTable(levels, name, answer.text);
          break;
        case 'dropTable':
        case 'unregisterTable':
          if ((answer.status === 204 || answer.status === 200) && levels && name) {
            state.tables = state.tables.filter((t) => !(t.name === name && t.namespace.join('\u001f') === levels.join('\u001f')));
          }
          break;
        case 'createView':
          if (answer.status === 200 && levels && typeof body?.name === 'string') state.views.push({ namespace: levels, name: body.name });
          break;
        case 'renameTable':
        case 'renameView': {
          const source = body?.source as { namespace?: unknown; name?: unknown } | undefined;
          const destination = body?.destination as { namespace?: unknown; name?: unknown } | undefined;
          if (answer.status !== 204 || !source || !destination || !plainLevels(source.namespace) || !plainLevels(destination.namespace)) break;
          const pool: Array<{ namespace: string[]; name: string }> = op.operationId === 'renameTable' ? state.tables : state.views;
          const moved = pool.find((e) => e.name === source.name && e.namespace.join('\u001f') === (source.namespace as string[]).join('\u001f'));
          if (moved && typeof destination.name === 'string') Object.assign(moved, { namespace: destination.namespace, name: destination.name });
          break;
        }
        case 'dropView':
          if (answer.status === 204 && levels && name) state.views = state.views.filter((v) => !(v.name === name && v.namespace.join('\u001f') === levels.join('\u001f')));
          break;
        case 'planTableScan': {
          const planId = /"plan-id":"([^"]+)"/.exec(answer.text)?.[1];
          if (answer.status === 200 && planId && state.planIds.length < 100) state.planIds.push(planId);
          break;
        }
        default:
          break;
      }
    }

    // ---- after the run: alive, loadable, status healthy, nothing outside ----
    const alive = await exchange({ operationId: 'getConfig', method: 'GET', path: '/v1/config', headers: {} });
    if (alive?.status !== 200) record({ kind: 'dead', detail: `GET /v1/config answered ${alive?.status ?? 'nothing'} after the run` });
    /** every entity the API listed, by entityKey */
    const listed = new Set<string>();
    const loadOk = async (operationId: string, path: string, what: string): Promise<Answer | undefined> => {
      const answer = await exchange({ operationId, method: 'GET', path, headers: {} });
      if (answer?.status !== 200) record({ kind: 'unloadable', detail: `${what}: ${answer?.status ?? 'no answer'}`, request: { operationId, method: 'GET', path, headers: {} }, response: answer?.text });
      return answer?.status === 200 ? answer : undefined;
    };
    const queue: Array<string[] | undefined> = [undefined];
    while (queue.length) {
      const parent = queue.shift();
      let parentPath: string;
      try {
        parentPath = parent ? `?parent=${encodeLevels(parent)}` : '';
      } catch {
        record({ kind: 'unloadable', detail: `namespace ${JSON.stringify(parent)} cannot be named in a URL (not well-formed Unicode)` });
        continue;
      }
      const page = await loadOk('listNamespaces', `/v1/namespaces${parentPath}`, `list namespaces under ${JSON.stringify(parent)}`);
      for (const levels of (page ? (JSON.parse(page.text) as { namespaces: string[][] }).namespaces : [])) {
        listed.add(entityKey('namespaces', levels));
        let ns: string;
        try {
          ns = encodeLevels(levels);
        } catch {
          record({ kind: 'unloadable', detail: `namespace ${JSON.stringify(levels)} cannot be named in a URL (not well-formed Unicode)` });
          continue;
        }
        queue.push(levels);
        await loadOk('loadNamespaceMetadata', `/v1/namespaces/${ns}`, `namespace ${JSON.stringify(levels)}`);
        for (const kind of ['tables', 'views'] as const) {
          const list = await loadOk(kind === 'tables' ? 'listTables' : 'listViews', `/v1/namespaces/${ns}/${kind}`, `list ${kind} of ${JSON.stringify(levels)}`);
          for (const id of list ? (JSON.parse(list.text) as { identifiers: Array<{ name: string }> }).identifiers : []) {
            listed.add(entityKey(kind, [...levels, id.name]));
            let name: string;
            try {
              name = encodeURIComponent(id.name);
            } catch {
              record({ kind: 'unloadable', detail: `${kind} ${JSON.stringify(id.name)} cannot be named in a URL (not well-formed Unicode)` });
              continue;
            }
            await loadOk(kind === 'tables' ? 'loadTable' : 'loadView', `/v1/namespaces/${ns}/${kind}/${name}`, `${kind} ${JSON.stringify([...levels, id.name])}`);
          }
        }
      }
    }
    agent.destroy();
    await server.close();
    closed = true;

    // everything the store holds is listed by the API (what nobody can list can never be dropped)
    const settings = loadSettings({ env: {}, flags: { object_store_url: `file://${layout.storage}` } });
    const held = new Map<string, number>();
    const objects = openObjectStore(settings.storage.object_store_url, settings.storage);
    try {
      const store = await CatalogStore.open(objects, { create: false });
      const entities = [
        ...[...store.state.namespaces.values()].map((n) => ['namespaces', n.levels] as const),
        ...[...store.state.tables.values()].map((t) => ['tables', [...t.ns, t.name]] as const),
        ...[...store.state.views.values()].map((v) => ['views', [...v.ns, v.name]] as const),
      ];
      await store.close();
      for (const [kind, path] of entities) {
        held.set(kind, (held.get(kind) ?? 0) + 1);
        if (listed.has(entityKey(kind, path))) continue;
        const wellFormed = path.every((p) => !LONE_SURROGATE.test(p));
        record({ kind: 'unlisted', detail: `${kind} ${JSON.stringify(path)} is in the store but the API does not list it${wellFormed ? '' : ' (not well-formed Unicode)'}` });
      }
    } finally {
      await objects.close();
    }

    try {
      const found = await status(settings);
      if (found.chain !== 'verified') record({ kind: 'status', detail: `floe status: chain ${String(found.chain)}` });
      for (const key of ['namespaces', 'tables', 'views'] as const) {
        if (found.counts[key] !== (held.get(key) ?? 0)) record({ kind: 'status', detail: `floe status counts ${found.counts[key]} ${key}, the store holds ${held.get(key) ?? 0}` });
      }
    } catch (error) {
      record({ kind: 'status', detail: `floe status failed: ${(error as Error).message}` });
    }

    const allowed = [layout.warehouse, layout.storage];
    for (const file of walk(layout.parent)) {
      if (allowed.some((dir) => file === dir || file.startsWith(dir + '/'))) continue;
      if (layout.canaries.includes(file) || allowed.some((dir) => dir.startsWith(file + '/'))) continue;
      if (file === layout.outside || file === join(layout.outside, 'etc')) continue;
      record({ kind: 'outside-write', detail: `written outside the warehouse and storage: ${relative(layout.parent, file)}` });
    }
    for (const canary of layout.canaries) {
      let content: string | undefined;
      try {
        content = readFileSync(canary, 'utf8');
      } catch {
        content = undefined;
      }
      if (content !== CANARY) record({ kind: 'outside-delete', detail: `canary ${relative(layout.parent, canary)} ${content === undefined ? 'deleted' : 'changed'}` });
    }
  } finally {
    if (!closed) await server.close();
    if (options.keep) log(`kept ${layout.parent}`);
    else rmSync(layout.parent, { recursive: true, force: true });
  }
  return report;
}

function jsonReq(operationId: string, method: string, path: string, value: unknown): SentRequest {
  const body = toJsonText(value);
  return { operationId, method, path, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body };
}

function shorten(f: Finding): Finding {
  return {
    ...f,
    ...(f.request && { request: { ...f.request, path: truncate(f.request.path, 300)!, body: truncate(f.request.body, 600) } }),
    response: truncate(f.response, 300),
  };
}

