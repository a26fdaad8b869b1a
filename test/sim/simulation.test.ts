// Deterministic simulation of several replicas over one faulty object store (see workload.ts
// for the actors and checker.ts for what is verified). FLOE_SIM_SEEDS sets how many seeds to
// run (default 200), FLOE_SIM_SEED runs one seed; a failure prints a one-line rerun command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, type SimResult } from './workload.js';

const SEED_BASE = 1;
const envSeed = process.env.FLOE_SIM_SEED;
const seeds = envSeed !== undefined ? [Number(envSeed)] : Array.from({ length: Number(process.env.FLOE_SIM_SEEDS ?? 200) }, (_, i) => SEED_BASE + i);
/** seeds scanned at most before a planted bug must have been caught */
const PLANTED_BUG_SEEDS_MAX = 60;

const rerun = (seed: number) => `FLOE_SIM_SEED=${seed} node --import tsx --test test/sim/simulation.test.ts`;

function explain(result: SimResult): string {
  return `simulation failed [seed=${result.seed}] — rerun: ${rerun(result.seed)}\n  ${result.violations.slice(0, 10).join('\n  ')}`;
}

test(`${seeds.length} seeds: no acknowledged commit lost, real-time order, replay reproduces reads`, async () => {
  const started = Date.now();
  const totals = { ops: 0, commitsOk: 0, commitsFailed: 0, commitsUnknown: 0, reads: 0, crashes: 0, pauses: 0, gcDeletes: 0, resyncs: 0, jumps: 0, staleCreates: 0, phantoms: 0 };
  const background = { gcRuns: 0, polls: 0, checkpointsWritten: 0, runs: 0, failures: 0 };
  for (const seed of seeds) {
    const result = await runSimulation({ seed });
    if (result.violations.length > 0) assert.fail(explain(result));
    totals.ops += result.ops;
    totals.commitsOk += result.checked.commitsOk;
    totals.commitsFailed += result.checked.commitsFailed;
    totals.commitsUnknown += result.checked.commitsUnknown;
    totals.reads += result.checked.reads;
    totals.crashes += result.crashes;
    totals.pauses += result.pauses;
    totals.gcDeletes += result.gcDeletes;
    totals.resyncs += result.guards.resyncs;
    totals.jumps += result.guards.checkpointJumps;
    totals.staleCreates += result.guards.staleCreates;
    totals.phantoms += result.phantoms;
    for (const key of Object.keys(background) as (keyof typeof background)[]) background[key] += result.background[key];
  }
  console.log(`simulation: ${seeds.length} seeds in ${Date.now() - started} ms: ${JSON.stringify(totals)}; background: ${JSON.stringify(background)}`);
  // the replicas' own timers drove GC, polls and checkpoints (none is turned off in the simulation)
  if (envSeed === undefined) {
    assert.ok(background.gcRuns > 0 && background.polls > 0 && background.checkpointsWritten > 0, `background work ran: ${JSON.stringify(background)}`);
    assert.ok(totals.gcDeletes > 0, 'GC driven by the timers deleted log entries');
  }
});

test('seeds with encryption on (a key rotation half-way): the same guarantees, every entry sealed', async () => {
  const count = envSeed !== undefined ? 1 : Number(process.env.FLOE_SIM_ENCRYPTED_SEEDS ?? 20);
  let rotated = 0;
  for (const seed of seeds.slice(0, count)) {
    const result = await runSimulation({ seed, encryption: true });
    if (result.violations.length > 0) assert.fail(explain(result));
    if (result.activeKey === 'k2') rotated++;
    else assert.equal(result.activeKey, 'k1');
  }
  assert.ok(rotated > 0, 'the rotation landed in at least one seed');
  console.log(`simulation with encryption: ${count} seeds, rotation landed in ${rotated}`);
});

test('one seed replays identically (history digest)', async () => {
  const seed = seeds[0]!;
  const first = await runSimulation({ seed });
  const second = await runSimulation({ seed });
  assert.equal(second.digest, first.digest, `seed ${seed} is not deterministic`);
  assert.equal(second.ops, first.ops);
});

for (const bug of ['ack-before-write', 'trust-stale-head'] as const) {
  test(`planted bug "${bug}" is caught within ${PLANTED_BUG_SEEDS_MAX} seeds`, { skip: envSeed !== undefined }, async () => {
    for (let seed = SEED_BASE; seed < SEED_BASE + PLANTED_BUG_SEEDS_MAX; seed++) {
      const result = await runSimulation({ seed, plantedBug: bug });
      if (result.violations.length > 0) {
        console.log(`planted bug ${bug}: caught at seed ${seed} (${seed - SEED_BASE + 1} seeds): ${result.violations[0]!.split('\n')[0]}`);
        return;
      }
    }
    assert.fail(`planted bug ${bug} survived ${PLANTED_BUG_SEEDS_MAX} seeds: the simulation is too weak`);
  });
}
