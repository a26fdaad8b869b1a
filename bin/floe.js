#!/usr/bin/env node
// The published entry point: runs the compiled CLI (npm run build writes dist/).
const compiled = new URL('../dist/cli/main.js', import.meta.url);
import(compiled.href).then((m) => m.main(process.argv)).catch((err) => {
  // a clone that was never built: say what to do instead of printing a module resolution error
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(compiled.pathname)) {
    process.stderr.write('floe: the CLI is not built yet: run `npm run build` first (or `npm start`, which installs and builds what it needs)\n');
    process.exit(2);
  }
  process.stderr.write(`floe: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
