#!/usr/bin/env node
// The published entry point: runs the compiled CLI (npm run build writes dist/).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`floe: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
