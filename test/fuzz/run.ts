// `npm run fuzz -- --seed N --requests M`: a longer fuzz run than CI's. The seed is printed first
// so that any failure can be reproduced exactly; the exit code is 1 when there are findings.
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzzer.js';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, requests: { type: 'string', default: '20000' }, keep: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const requests = Number(values.requests);
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(requests) || requests < 1) {
  console.error('usage: npm run fuzz -- [--seed N] [--requests M] [--keep]');
  process.exit(2);
}
console.log(`fuzz: seed ${seed}, ${requests} requests (reproduce with: npm run fuzz -- --seed ${seed} --requests ${requests})`);
const report = await runFuzz({ seed, requests, keep: values.keep, log: values.quiet ? undefined : (line) => console.log(line) });
console.log(JSON.stringify({ byStatus: report.byStatus, byOperation: report.byOperation, okByOperation: report.okByOperation, knownOpen: report.knownOpen }));
const slowest = Object.entries(report.timeMs).sort((a, b) => b[1] - a[1]).slice(0, 12);
console.log(`time: ${Math.round(Object.values(report.timeMs).reduce((a, b) => a + b, 0))} ms in requests; ${slowest.map(([k, ms]) => `${k} ${Math.round(ms)} ms`).join(', ')}`);
for (const example of report.knownOpenExamples) console.log(`known open (${example.knownOpen}): ${JSON.stringify(example).slice(0, 800)}`);
// one example per distinct cause (kind, status and the server's first error line)
const causes = new Map<string, { count: number; example: (typeof report.findings)[number] }>();
for (const finding of report.findings) {
  const signature = `${finding.kind} ${finding.status ?? ''} ${(finding.serverError ?? finding.detail).split('\n')[0]}`;
  const seen = causes.get(signature);
  if (seen) seen.count++;
  else causes.set(signature, { count: 1, example: finding });
}
for (const [signature, { count, example }] of causes) console.log(`FINDING x${count} ${signature}\n${JSON.stringify(example, null, 1)}`);
console.log(`fuzz: seed ${seed}: ${report.requests} requests, ${report.findings.length} findings`);
process.exit(report.findings.length === 0 ? 0 : 1);
