// A node:test reporter that records every skipped test (file, name, reason) as JSON lines, so
// scripts/test.mjs can end the run with the list of what did not run and how to enable it.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' || event.data.skip === undefined || event.data.skip === false) continue;
    const { name, file, skip } = event.data;
    yield JSON.stringify({ name, file, reason: typeof skip === 'string' ? skip : '' }) + '\n';
  }
}
