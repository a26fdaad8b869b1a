// Authorization cost (issue 12): one decision (goal <= 5 µs) and a filtered list of 10 000
// tables through the catalog's listTables operation, read barrier and JSON included (goal
// <= 20 ms). In process, with the store in memory, so the figures are the decision's own work.
// Figures only, never assertions.
//
//   node --import tsx bench/access.ts      (also run by `npm run bench`)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { access, openCatalog, runOperation, tables, type Catalog, type Principal, type RequestContext } from '../src/catalog/index.js';
import { loadSettings } from '../src/config/index.js';
import { PRIVILEGES, type Effect, type Securable } from '../src/store/index.js';
import { silentTelemetry } from '../src/util/index.js';

const QUICK = process.env.FLOE_BENCH_QUICK === '1';
const DECISIONS = QUICK ? 200_000 : 1_000_000;
const TABLES = 10_000;
const LISTS = QUICK ? 20 : 100;
const NS = ['sales', 'emea', 'daily'];

const commitEffects = (catalog: Catalog, effects: Effect[]) => catalog.store.commit(async () => ({ kind: 'txn', effects, result: undefined }));

async function setUp(catalog: Catalog): Promise<void> {
  await commitEffects(catalog, NS.map((_, i): Effect => ({ op: 'ns.create', ns: NS.slice(0, i + 1), properties: {} })));
  for (let start = 0; start < TABLES; start += 1000) {
    const effects: Effect[] = [];
    for (let i = start; i < start + 1000; i++) effects.push({ op: 'table.create', ns: NS, name: `t${String(i).padStart(5, '0')}`, to: `file:///bench/t${i}/v1.metadata.json` });
    await commitEffects(catalog, effects);
  }
  const roles: Effect[] = [];
  // analyst: a grant on the outer namespace (inherited); etl: several privileges on every 10th table; five roles of a busy principal
  roles.push({ op: 'role.create', name: 'analyst', createdMs: 1 }, { op: 'grant.add', role: 'analyst', on: { kind: 'namespace', ns: ['sales'] }, privilege: 'TABLE_READ_DATA' });
  roles.push({ op: 'role.create', name: 'etl', createdMs: 1 });
  for (let i = 0; i < TABLES; i += 10) {
    for (const privilege of ['TABLE_WRITE_DATA', 'TABLE_DROP'] as const) roles.push({ op: 'grant.add', role: 'etl', on: { kind: 'table', ns: NS, name: `t${String(i).padStart(5, '0')}` }, privilege });
  }
  for (let r = 0; r < 5; r++) {
    roles.push({ op: 'role.create', name: `team${r}`, createdMs: 1 });
    roles.push({ op: 'grant.add', role: `team${r}`, on: { kind: 'namespace', ns: NS.slice(0, 2) }, privilege: PRIVILEGES[r]! });
  }
  await commitEffects(catalog, roles);
}

const user = (...roles: string[]): Principal => ({ kind: 'user', name: 'bench', roles, source: 'oidc' });

/** Mean µs of `decide` over DECISIONS runs, after a warm-up for the JIT. */
function meanUs(decide: () => boolean): number {
  let yes = 0;
  for (let i = 0; i < 10_000; i++) if (decide()) yes++;
  const started = performance.now();
  for (let i = 0; i < DECISIONS; i++) if (decide()) yes++;
  const us = ((performance.now() - started) * 1000) / DECISIONS;
  if (yes < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return us;
}

/** The decision alone (access.allows), and what an operation calls (access.authorize: the audit note, and the 403 when refused). */
function perDecisionUs(catalog: Catalog, principal: Principal, on: Securable): { decision: number; authorize: number } {
  const state = catalog.store.state;
  const decision = meanUs(() => access.allows(state, principal, 'TABLE_READ_DATA', on));
  const authorize = meanUs(() => access.authorize(state, { principal, audit: {} }, 'TABLE_READ_DATA', on) === undefined);
  return { decision, authorize };
}

async function listMs(catalog: Catalog, principal: Principal, pageSize: string | undefined): Promise<{ ms: number; shown: number }> {
  const req: RequestContext = { requestId: 'bench', principal, log: silentTelemetry.log, audit: {} };
  const page = pageSize === undefined ? {} : { pageSize };
  const run = () => runOperation(catalog, req, tables.listTables(NS, page), { idempotencyLifetimeMs: 1 });
  let shown = 0;
  for (let i = 0; i < 3; i++) await run();
  const started = performance.now();
  for (let i = 0; i < LISTS; i++) {
    const answer = await run();
    if (answer.kind !== 'reply' || answer.reply.kind !== 'json') throw new Error(`list refused: ${JSON.stringify(answer)}`);
    shown = (JSON.parse(answer.reply.text) as { identifiers: unknown[] }).identifiers.length;
  }
  return { ms: (performance.now() - started) / LISTS, shown };
}

const dir = mkdtempSync(join(tmpdir(), 'floe-bench-access-'));
const catalog = await openCatalog({ settings: loadSettings({ env: {}, flags: { object_store_url: 'memory://' } }), warehouseUrl: `file://${dir}` });
try {
  await setUp(catalog);
  const deep: Securable = { kind: 'table', ns: NS, name: 't00010' };
  console.log(`\naccess: one decision (TABLE_READ_DATA on a table 3 namespaces deep), mean of ${DECISIONS}; goal <= 5 µs`);
  for (const [label, principal] of [
    ['built-in role (reader)', user('reader')],
    ['custom role, grant on the outer namespace', user('analyst')],
    ['custom role, grant on the table itself (2 000 grants in the role)', user('etl')],
    ['five custom roles, refused', user('team0', 'team1', 'team2', 'team3', 'team4')],
  ] as const) {
    const { decision, authorize } = perDecisionUs(catalog, principal, deep);
    console.log(`  ${label.padEnd(68)} ${decision.toFixed(2)} µs decision, ${authorize.toFixed(2)} µs authorize`);
  }
  console.log(`\naccess: listTables of ${TABLES} tables through the catalog (read barrier, filter, page, JSON), mean of ${LISTS}; goal <= 20 ms`);
  for (const [label, principal, pageSize] of [
    ['anonymous (auth off), unpaged', { kind: 'anonymous' } as Principal, undefined],
    ['TABLE_LIST on the namespace (no filter), unpaged', user('writer'), undefined],
    ['filtered to every 10th table, unpaged', user('etl'), undefined],
    ['filtered to every 10th table, first page of 100', user('etl'), '100'],
  ] as const) {
    const { ms, shown } = await listMs(catalog, principal, pageSize);
    console.log(`  ${label.padEnd(68)} ${ms.toFixed(2)} ms (${shown} shown)`);
  }
} finally {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
}
