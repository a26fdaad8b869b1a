// Encryption at rest: commit and restart overhead, encryption off vs on, on a real file://
// root (fsync'd) with the store in process, so the figures isolate the store's own work.
// Figures only, never assertions (goal from issue 16: <= 10 % on commits).
//
//   node --import tsx bench/encryption.ts      (also run by `npm run bench`)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../src/objectstore/file.js';
import { CatalogStore, openKeyProvider, type EncryptionConfig, type Prepared } from '../src/store/index.js';

const QUICK = process.env.FLOE_BENCH_QUICK === '1';
const COMMITS = QUICK ? 300 : 1500;
const CHECKPOINT_INTERVAL = 500;

async function open(dir: string, encryption: EncryptionConfig | undefined): Promise<{ store: CatalogStore; close: () => Promise<void> }> {
  const objects = new FileObjectStore(dir);
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, checkpointInterval: CHECKPOINT_INTERVAL, encryption });
  return { store, close: async () => (await store.close(), await objects.close()) };
}

async function measure(encryption: EncryptionConfig | undefined): Promise<{ commitsPerS: number; p50Ms: number; restartMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-enc-'));
  try {
    const { store, close } = await open(dir, encryption);
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < COMMITS; i++) {
      const t0 = performance.now();
      await store.commit(async (): Promise<Prepared<null>> => ({
        kind: 'txn',
        effects: [{ op: 'ns.create', ns: [`namespace_${i}`], properties: { owner: `team-${i % 17}`, comment: 'x'.repeat(200) } }],
        result: null,
      }));
      latencies.push(performance.now() - t0);
    }
    const elapsedMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 200)); // let the last background checkpoint finish
    await close();
    const restartStarted = performance.now();
    const again = await open(dir, encryption);
    const restartMs = performance.now() - restartStarted;
    if (again.store.headSeq < COMMITS) throw new Error(`reopened at ${again.store.headSeq}, expected >= ${COMMITS}`);
    await again.close();
    latencies.sort((a, b) => a - b);
    return { commitsPerS: (COMMITS / elapsedMs) * 1000, p50Ms: latencies[Math.floor(latencies.length / 2)]!, restartMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const encryption = openKeyProvider({ provider: 'local', keys: `bench:${randomBytes(32).toString('base64')}` });
await measure(undefined); // warm-up: module loading and JIT
// alternate the two and take medians: fsync latency on a shared machine drifts more than the
// cipher costs, and a single pair of runs shows that drift, not the overhead
const ROUNDS = QUICK ? 1 : 3;
const offs: Awaited<ReturnType<typeof measure>>[] = [];
const ons: Awaited<ReturnType<typeof measure>>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  offs.push(await measure(undefined));
  ons.push(await measure(encryption));
}
const median = (runs: Awaited<ReturnType<typeof measure>>[]) => {
  const mid = (f: (r: (typeof runs)[number]) => number) => runs.map(f).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return { commitsPerS: mid((r) => r.commitsPerS), p50Ms: mid((r) => r.p50Ms), restartMs: mid((r) => r.restartMs) };
};
const off = median(offs);
const on = median(ons);
const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
console.log(`encryption (file://, ${COMMITS} sequential commits, checkpoint every ${CHECKPOINT_INTERVAL}, median of ${ROUNDS}):`);
console.log(`  off: ${off.commitsPerS.toFixed(0)} commits/s, p50 ${off.p50Ms.toFixed(2)} ms, restart ${off.restartMs.toFixed(0)} ms`);
console.log(`  on:  ${on.commitsPerS.toFixed(0)} commits/s, p50 ${on.p50Ms.toFixed(2)} ms, restart ${on.restartMs.toFixed(0)} ms`);
console.log(`  overhead: commit p50 ${pct(off.p50Ms, on.p50Ms)}, restart ${pct(off.restartMs, on.restartMs)}`);
