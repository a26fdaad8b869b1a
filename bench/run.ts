// Benchmarks (never timed assertions): loadTable latency and throughput, and commit rates,
// against a real `floe serve` child process over HTTP with keep-alive connections.
//
//   npm run bench                 # all scenarios
//   FLOE_BENCH_QUICK=1 npm run bench
//   FLOE_BENCH_ONLY=history npm run bench   # one scenario: warm, memory, file, replicas, history
// bench/encryption.ts and bench/access.ts run after the scenarios, always.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const QUICK = process.env.FLOE_BENCH_QUICK === '1';
const ONLY = process.env.FLOE_BENCH_ONLY;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Server {
  url: URL;
  child: ChildProcess;
}

async function startServer(storage: string, warehouse: string): Promise<Server> {
  const child = spawn(process.execPath, ['bin/floe.js', 'serve', '--storage', storage, '--warehouse', warehouse, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    // the banner is on stderr (stdout is the JSON log stream, not wanted here)
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stderr.write(chunk);
      const match = /serving at (http:\/\/\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!));
    });
    child.once('exit', (code) => reject(new Error(`floe serve exited with ${code}`)));
  });
  return { url, child };
}

function call(server: Server, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: server.url.hostname, port: server.url.port, method, path, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const SCHEMA = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }, { id: 2, name: 'data', type: 'string', required: false }] };

async function createTable(server: Server, ns: string, name: string): Promise<void> {
  const res = await call(server, 'POST', `/v1/namespaces/${ns}/tables`, { name, schema: SCHEMA });
  if (res.status !== 200) throw new Error(`create ${name}: ${res.status} ${res.text}`);
}

async function addSnapshots(server: Server, ns: string, name: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const res = await call(server, 'POST', `/v1/namespaces/${ns}/tables/${name}`, {
      requirements: [],
      updates: [
        {
          action: 'add-snapshot',
          snapshot: {
            'snapshot-id': i, ...(i > 1 && { 'parent-snapshot-id': i - 1 }), 'sequence-number': i, 'timestamp-ms': Date.now(),
            'manifest-list': `file:///bench/${name}/snap-${i}.avro`, summary: { operation: 'append', 'added-data-files': '1' }, 'schema-id': 0,
          },
        },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': i },
      ],
    });
    if (res.status !== 200) throw new Error(`commit ${i}: ${res.status} ${res.text}`);
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const us = (ns: number) => `${(ns / 1000).toFixed(0)} µs`;

async function loadLatency(server: Server, path: string, n: number) {
  for (let i = 0; i < 2000; i++) await call(server, 'GET', path); // warm-up (JIT of client and server)
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const res = await call(server, 'GET', path);
    samples.push(Number(process.hrtime.bigint() - start));
    if (res.status !== 200) throw new Error(`load: ${res.status}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(concurrency: number, durationMs: number, op: (worker: number) => Promise<void>): Promise<number> {
  let done = 0;
  const end = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (Date.now() < end) {
        await op(w);
        done++;
      }
    }),
  );
  return done / (durationMs / 1000);
}

async function scenario(kind: 'memory' | 'file') {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-'));
  const storage = kind === 'memory' ? 'memory://' : `file://${dir}/catalog`;
  const server = await startServer(storage, `file://${dir}/warehouse`);
  try {
    await call(server, 'POST', '/v1/namespaces', { namespace: ['bench'] });
    await createTable(server, 'bench', 'big');
    await addSnapshots(server, 'bench', 'big', 100);
    const path = '/v1/namespaces/bench/tables/big';
    const size = (await call(server, 'GET', path)).text.length;
    const floor = await loadLatency(server, '/v1/config', QUICK ? 2000 : 10000);
    const latency = await loadLatency(server, path, QUICK ? 2000 : 10000);
    const loads = await throughput(32, QUICK ? 2000 : 5000, async () => {
      await call(server, 'GET', path);
    });
    console.log(`${kind}:// loadTable (100 snapshots, ${(size / 1024).toFixed(0)} KiB): p50 ${us(latency.p50)}, p99 ${us(latency.p99)} at concurrency 1; ${loads.toFixed(0)} loads/s at concurrency 32`);
    console.log(`${kind}:// HTTP floor, GET /v1/config on the same connection: p50 ${us(floor.p50)}, p99 ${us(floor.p99)}`);
    if (kind === 'file') {
      await createTable(server, 'bench', 'seq');
      let i = 0;
      const sequential = await throughput(1, QUICK ? 3000 : 8000, async () => {
        const res = await call(server, 'POST', '/v1/namespaces/bench/tables/seq', { requirements: [], updates: [{ action: 'set-properties', updates: { n: String(i++) } }] });
        if (res.status !== 200) throw new Error(`commit: ${res.status} ${res.text}`);
      });
      for (let t = 0; t < 32; t++) await createTable(server, 'bench', `p${t}`);
      const counters = new Array(32).fill(0);
      const parallel = await throughput(32, QUICK ? 3000 : 8000, async (w) => {
        const res = await call(server, 'POST', `/v1/namespaces/bench/tables/p${w}`, { requirements: [], updates: [{ action: 'set-properties', updates: { n: String(counters[w]++) } }] });
        if (res.status !== 200) throw new Error(`commit: ${res.status} ${res.text}`);
      });
      console.log(`file:// commits: ${sequential.toFixed(0)}/s sequential on one table; ${parallel.toFixed(0)}/s with 32 clients on 32 tables`);
    }
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Commits/s with 32 clients on 32 tables, spread over `replicas` serve processes on one file:// root. */
async function replicaScenario(replicas: number) {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-'));
  const storage = `file://${dir}/catalog`;
  const servers: Server[] = [];
  try {
    for (let r = 0; r < replicas; r++) servers.push(await startServer(storage, `file://${dir}/warehouse`));
    await call(servers[0]!, 'POST', '/v1/namespaces', { namespace: ['rep'] });
    for (let t = 0; t < 32; t++) await createTable(servers[t % replicas]!, 'rep', `t${t}`);
    const counters = new Array(32).fill(0);
    const rate = await throughput(32, QUICK ? 3000 : 8000, async (w) => {
      const res = await call(servers[w % replicas]!, 'POST', `/v1/namespaces/rep/tables/t${w}`, { requirements: [], updates: [{ action: 'set-properties', updates: { n: String(counters[w]++) } }] });
      if (res.status !== 200) throw new Error(`commit: ${res.status} ${res.text}`);
    });
    console.log(`file:// ${replicas} replica${replicas > 1 ? 's' : ''}: ${rate.toFixed(0)} commits/s with 32 clients on 32 tables`);
  } finally {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resident set size of a process in MiB (Linux /proc, else `ps`). */
function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
  } catch {
    const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
    return Number(ps.stdout.trim()) / 1024;
  }
}

/**
 * Memory under a long history (issue 9 item 4): RSS of the server while one table takes 10 000
 * small snapshots, one commit each. Superseded versions must not pile up in the caches, so RSS
 * should level off while the metadata file keeps growing. A figure, not a timed assertion.
 * Old metadata files are deleted after commit so the run does not fill the disk.
 */
async function historyScenario(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-'));
  const server = await startServer(`file://${dir}/catalog`, `file://${dir}/warehouse`);
  const snapshots = QUICK ? 2000 : 10_000;
  try {
    await call(server, 'POST', '/v1/namespaces', { namespace: ['hist'] });
    const created = await call(server, 'POST', '/v1/namespaces/hist/tables', {
      name: 'long', schema: SCHEMA,
      properties: { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '10' },
    });
    if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
    const samples: string[] = [`start ${rssMiB(server.child.pid!).toFixed(0)}`];
    const step = snapshots / 5;
    let lastSize = 0;
    for (let i = 1; i <= snapshots; i++) {
      const res = await call(server, 'POST', '/v1/namespaces/hist/tables/long', {
        requirements: [],
        updates: [
          {
            action: 'add-snapshot',
            snapshot: {
              'snapshot-id': i, ...(i > 1 && { 'parent-snapshot-id': i - 1 }), 'sequence-number': i, 'timestamp-ms': Date.now(),
              'manifest-list': `file:///bench/long/snap-${i}.avro`, summary: { operation: 'append' }, 'schema-id': 0,
            },
          },
          { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': i },
        ],
      });
      if (res.status !== 200) throw new Error(`commit ${i}: ${res.status} ${res.text.slice(0, 300)}`);
      lastSize = res.text.length;
      if (i % step === 0) samples.push(`${i} ${rssMiB(server.child.pid!).toFixed(0)}`);
    }
    console.log(
      `file:// RSS of the server while one table takes ${snapshots} snapshots (commits → MiB): ${samples.join(', ')}; ` +
        `last metadata ${(lastSize / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function warmUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-'));
  const server = await startServer('memory://', `file://${dir}/warehouse`);
  try {
    await call(server, 'POST', '/v1/namespaces', { namespace: ['warm'] });
    await createTable(server, 'warm', 't');
    await addSnapshots(server, 'warm', 't', 20);
    await throughput(8, QUICK ? 3000 : 8000, async () => {
      await call(server, 'GET', '/v1/namespaces/warm/tables/t');
    });
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`floe bench on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
// The first scenario of a run measured 2-4x slower whichever it was (the client's own module
// loading and JIT settle during it): warm the client on a throwaway server first.
const scenarios: [string, () => Promise<void>][] = [
  ['warm', warmUp],
  ['memory', () => scenario('memory')],
  ['file', () => scenario('file')],
  ['replicas', async () => {
    await replicaScenario(1);
    await replicaScenario(3);
  }],
  ['history', historyScenario],
];
for (const [name, run] of scenarios) if (ONLY === undefined || ONLY.split(',').includes(name)) await run();
agent.destroy();
// encryption at rest: commit and restart overhead, off vs on (bench/encryption.ts)
await import('./encryption.js');
// authorization: one decision, and a filtered list of 10 000 tables (bench/access.ts)
await import('./access.js');
