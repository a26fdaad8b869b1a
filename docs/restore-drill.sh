#!/usr/bin/env bash
# Restore drill: restore the newest backup into a scratch root, check it, serve it read-mostly
# on the production warehouse, list what it holds, then stop it and remove the scratch root.
# The restored catalog deletes no table files (no purge, old metadata files kept), so it cannot
# harm the production catalog that shares the warehouse. test/backup/drill.test.ts runs this file.
set -euo pipefail

BACKUPS=${BACKUPS:-/backups}                        # where `floe backup` writes its archives
WAREHOUSE=${WAREHOUSE:-s3://my-bucket/warehouse}    # the production warehouse
PORT=${PORT:-18181}                                 # a free port for the drill server
FLOE=${FLOE:-npx floe}                              # or an installed `floe`

ARCHIVE=$(ls -1t "$BACKUPS"/floe-backup-*.tar.gz | head -1)
$FLOE validate-backup --input "$ARCHIVE" --check-locations --warehouse "$WAREHOUSE"

DRILL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/floe-drill-XXXXXX")
DRILL="file://$DRILL_DIR"
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$DRILL_DIR"
}
trap cleanup EXIT

$FLOE restore --input "$ARCHIVE" --storage "$DRILL" --json
$FLOE status --storage "$DRILL"          # same counts, head = backup seq, restoredFrom set

# request lines would bury the drill's own output: only warnings and errors are logged
$FLOE serve --storage "$DRILL" --warehouse "$WAREHOUSE" --port "$PORT" --log-level warn &
SERVER=$!
# the server needs a moment to open the catalog: poll until it answers (or has exited)
for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$PORT/v1/config" >/dev/null; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "drill: floe serve exited before listening" >&2; exit 1; fi
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/v1/config" >/dev/null || { echo "drill: floe serve did not answer within 30 s" >&2; exit 1; }

# every namespace, and every table in it loads (its metadata file exists in the warehouse)
NAMESPACES=$(curl -sf "http://127.0.0.1:$PORT/v1/namespaces" | node -e '
  let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
    for (const ns of JSON.parse(s).namespaces) console.log(ns.map(encodeURIComponent).join("%1F"));
  });')
for NS in $NAMESPACES; do
  TABLES=$(curl -sf "http://127.0.0.1:$PORT/v1/namespaces/$NS/tables" | node -e '
    let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
      for (const t of JSON.parse(s).identifiers) console.log(encodeURIComponent(t.name));
    });')
  for TABLE in $TABLES; do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/namespaces/$NS/tables/$TABLE"
    echo "drill: loaded $NS.$TABLE"
  done
done
echo "drill: ok"
