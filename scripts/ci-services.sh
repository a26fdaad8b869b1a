#!/bin/bash
# ci-services.sh: brings up the test services the object-store conformance suite needs that
# cannot run from node_modules, i.e. a throw-away one-node Ceph radosgw (S3) on 127.0.0.1.
# radosgw is the only S3 server installable here that honours If-None-Match / If-Match on PUT
# (see shared/design/object-store-emulators.md); s3rver and friends ignore them.
#
#   eval "$(bash scripts/ci-services.sh)"      # install if missing, start if not running
#   bash scripts/ci-services.sh stop           # stop the daemons (by pid file) and drop the data
#
# Idempotent: when radosgw already answers from this state dir, it only makes sure the user
# and the bucket exist and prints the exports again. Only `export ...` lines go to stdout
# (for eval); progress and errors go to stderr. Data lives in RAM (memstore) plus a temp dir.
set -euo pipefail

D=${FLOE_RGW_DIR:-${TMPDIR:-/tmp}/floe-ci-rgw}
PORT=${FLOE_RGW_PORT:-7480}
MON_PORT=${FLOE_RGW_MON_PORT:-6789}
AK=${FLOE_RGW_ACCESS_KEY:-FLOECITESTAK}
SK=${FLOE_RGW_SECRET_KEY:-FLOECITESTSECRETKEY}
BUCKET=${FLOE_RGW_BUCKET:-floe-test}
REGION=us-east-1
ENDPOINT="http://127.0.0.1:$PORT"
C="-c $D/ceph.conf"

log() { echo "ci-services: $*" >&2; }

stop_daemons() {
  for name in rgw osd mon; do
    local pidfile="$D/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  # daemons whose pid files were lost (a state dir removed under them) still hold the ports and
  # would answer a new OSD with the old cluster's fsid: stop every daemon of this config too
  pkill -f -- "-c $D/ceph.conf" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -f -- "-c $D/ceph.conf" >/dev/null || break
    sleep 0.1
  done
  pkill -9 -f -- "-c $D/ceph.conf" 2>/dev/null || true
}

rgw_answers() { curl -s -o /dev/null -m 1 "$ENDPOINT/"; }

running() {
  [ -f "$D/rgw.pid" ] && kill -0 "$(cat "$D/rgw.pid")" 2>/dev/null && rgw_answers
}

install_packages() {
  if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null \
    && command -v uuidgen >/dev/null; then
    return
  fi
  log "installing radosgw ceph-mon ceph-osd from apt (about 15 s, 270 MB)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2 || true
  $sudo apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd uuid-runtime >&2
}

start_cluster() {
  stop_daemons
  rm -rf "$D"; mkdir -p "$D"/{mon,osd/0,run,log,rgw}
  local fsid; fsid=$(uuidgen)
  cat > "$D/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
mon data = $D/mon
osd data = $D/osd/\$id
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
rgw data = $D/rgw
# without tcp_nodelay, GET and LIST take ~45 ms each (Nagle + delayed ACK)
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
CONF
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --add a "127.0.0.1:$MON_PORT" "$D/monmap" >/dev/null
  ceph-mon $C --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
  # setsid: the daemons must outlive this script (and its caller's process group)
  setsid ceph-mon $C -f -i a >"$D/log/mon.out" 2>&1 < /dev/null & echo $! >"$D/mon.pid"
  # an OSD started before the mon answers dies with 'wrong fsid'
  for _ in $(seq 1 100); do timeout 5 ceph $C mon stat >/dev/null 2>&1 && break; sleep 0.2; done
  local osd_uuid osd_id; osd_uuid=$(uuidgen)
  osd_id=$(timeout 60 ceph $C osd new "$osd_uuid")
  ceph-osd $C -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$D/log/osd-mkfs.out" 2>&1
  # A fresh OSD sometimes asks the mon to place it before it has the cluster's fsid and dies
  # with 'wrong fsid' (seen intermittently, 3 times in a row on an idle machine); started again
  # a moment later, against a mon that is fully up, it joins.
  local osd_up=false
  for osd_try in 1 2 3 4 5 6 7 8; do
    setsid ceph-osd $C -f -i "$osd_id" >>"$D/log/osd.out" 2>&1 < /dev/null & echo $! >"$D/osd.pid"
    for _ in $(seq 1 150); do
      if timeout 5 ceph $C osd stat 2>/dev/null | grep -q "1 up"; then osd_up=true; break; fi
      kill -0 "$(cat "$D/osd.pid")" 2>/dev/null || break
      sleep 0.2
    done
    $osd_up && break
    log "ceph-osd exited (try $osd_try); starting it again"
    sleep 1
  done
  $osd_up || { log "ceph-osd did not come up; see $D/log"; exit 1; }
  setsid radosgw $C -f -n client.rgw.a >"$D/log/rgw.out" 2>&1 < /dev/null & echo $! >"$D/rgw.pid"
  for _ in $(seq 1 600); do rgw_answers && break; sleep 0.1; done
  rgw_answers || { log "radosgw did not come up; see $D/log"; exit 1; }
}

ensure_user_and_bucket() {
  if ! radosgw-admin $C user info --uid=floe-test >/dev/null 2>&1; then
    radosgw-admin $C user create --uid=floe-test --display-name=floe-test \
      --access-key="$AK" --secret-key="$SK" >/dev/null
  fi
  # 200 = created, 409 BucketAlreadyOwnedByYou = already there; anything else is a failure
  # radosgw insists on a signed x-amz-content-sha256, which curl does not add by itself;
  # the value is the sha256 of the empty body
  local code empty_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  code=$(curl -s -o "$D/bucket.out" -w '%{http_code}' -X PUT -m 10 \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" -H "x-amz-content-sha256: $empty_sha256" \
    "$ENDPOINT/$BUCKET")
  case "$code" in
    200|409) ;;
    *) log "creating bucket $BUCKET failed with HTTP $code: $(cat "$D/bucket.out")"; exit 1 ;;
  esac
}

case "${1:-up}" in
  stop|down)
    stop_daemons
    rm -rf "$D"
    log "radosgw stopped"
    exit 0
    ;;
  up) ;;
  *) log "usage: $0 [up|stop]"; exit 2 ;;
esac

started=$(date +%s.%N)
install_packages
if running; then
  log "radosgw already running on $ENDPOINT (state in $D)"
else
  log "starting a one-node Ceph radosgw on $ENDPOINT (state in $D)"
  start_cluster
fi
ensure_user_and_bucket
log "radosgw ready on $ENDPOINT, bucket $BUCKET ($(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s)"

echo "export FLOE_TEST_S3_ENDPOINT=$ENDPOINT"
echo "export FLOE_TEST_S3_BUCKET=$BUCKET"
echo "export FLOE_TEST_S3_REGION=$REGION"
echo "export AWS_ACCESS_KEY_ID=$AK"
echo "export AWS_SECRET_ACCESS_KEY=$SK"
