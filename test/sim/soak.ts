// Long soak of the simulation: `node --import tsx test/sim/soak.ts [seeds] [firstSeed]`
// (FLOE_SIM_SEEDS / FLOE_SIM_FIRST_SEED work too). Prints progress and every failing seed with
// its rerun command; exits 1 if any seed failed.
import { runSimulation } from './workload.js';

const count = Number(process.argv[2] ?? process.env.FLOE_SIM_SEEDS ?? 5000);
const first = Number(process.argv[3] ?? process.env.FLOE_SIM_FIRST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const started = Date.now();
let failed = 0;
let ops = 0;
for (let seed = first; seed < first + count; seed++) {
  const result = await runSimulation({ seed });
  ops += result.ops;
  if (result.violations.length > 0) {
    failed++;
    console.log(`simulation failed [seed=${seed}] — rerun: FLOE_SIM_SEED=${seed} node --import tsx --test test/sim/simulation.test.ts`);
    for (const v of result.violations.slice(0, 5)) console.log(`  ${v}`);
  }
  if ((seed - first + 1) % 100 === 0) console.log(`${seed - first + 1}/${count} seeds, ${ops} ops, ${failed} failed, ${Math.round((Date.now() - started) / 1000)} s`);
}
console.log(`soak: ${count} seeds from ${first}, ${ops} ops, ${failed} failed, ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed > 0 ? 1 : 0);
