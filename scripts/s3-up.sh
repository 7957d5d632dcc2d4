#!/usr/bin/env bash
# Starts a throwaway one-node Ceph cluster (1 mon + 1 in-memory OSD) with radosgw serving S3 on
# 127.0.0.1, for tests and local development. Idempotent: if the instance recorded in the state
# directory is already up, it only prints its settings again.
#
#   export $(scripts/s3-up.sh)      # sets AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#   scripts/s3-down.sh              # stops it and removes its state
#
# Needs Debian's packages: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw uuid-runtime
# Settings (environment): YUMDA_S3_DIR (state, default ${TMPDIR:-/tmp}/yumda-s3-local),
# YUMDA_S3_PORT (S3, default 7480), YUMDA_S3_MON_PORT (default 6789),
# YUMDA_S3_ACCESS_KEY / YUMDA_S3_SECRET_KEY (default testak / testsk).
# stdout carries only the KEY=value lines; progress goes to stderr.
set -euo pipefail

D=${YUMDA_S3_DIR:-${TMPDIR:-/tmp}/yumda-s3-local}
RGW_PORT=${YUMDA_S3_PORT:-7480}
MON_PORT=${YUMDA_S3_MON_PORT:-6789}
AK=${YUMDA_S3_ACCESS_KEY:-testak}
SK=${YUMDA_S3_SECRET_KEY:-testsk}
DAEMONS="mon.a osd.0 client.rgw.a"

say() { echo "s3-up: $*" >&2; }
port_answers() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$D/pids/$1.pid" ] && kill -0 "$(cat "$D/pids/$1.pid")" 2>/dev/null; }
print_settings() {
  printf 'AWS_ENDPOINT_URL_S3=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "http://127.0.0.1:$RGW_PORT" "$AK" "$SK"
}

for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph uuidgen; do
  command -v "$tool" >/dev/null || {
    say "missing $tool; install with: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw uuid-runtime"
    exit 127
  }
done

# one start at a time (two shells, or parallel test runs)
mkdir -p "$(dirname "$D")"
exec 9>"$D.start-lock"
flock 9

# Already running (ours)? Then this is a no-op.
if [ -f "$D/ready" ] && pid_alive mon.a && pid_alive osd.0 && pid_alive client.rgw.a && port_answers "$RGW_PORT"; then
  say "already running on 127.0.0.1:$RGW_PORT (state in $D)"
  cat "$D/ready"
  exit 0
fi

# A half-started or dead instance of ours: stop what is left of it before starting over.
if [ -d "$D" ]; then
  say "cleaning up a stale instance in $D"
  YUMDA_S3_DIR="$D" "$(dirname "$0")/s3-down.sh" >&2 || true
  # the stale daemons' sockets close a moment after they are killed
  for _ in $(seq 50); do
    port_answers "$RGW_PORT" || port_answers "$MON_PORT" || break
    sleep 0.2
  done
fi
if port_answers "$RGW_PORT"; then
  say "port $RGW_PORT is already in use by another process; set YUMDA_S3_PORT to use another one"
  exit 1
fi
if port_answers "$MON_PORT"; then
  say "port $MON_PORT (ceph-mon) is already in use; set YUMDA_S3_MON_PORT to use another one"
  exit 1
fi

T0=$(date +%s%N)
mkdir -p "$D"/{mon,osd,run,log,pids}
FSID=$(uuidgen)
cat >"$D/ceph.conf" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/pids/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
ms bind ipv6 = false
[mon]
mon data = $D/mon/\$name
[osd]
osd data = $D/osd/\$name
osd objectstore = memstore
memstore device bytes = 4294967296
osd max object size = 134217728
osd class update on start = false
osd crush update on start = false
[client]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/run/rgw
rgw dns name = localhost
EOF
C=(-c "$D/ceph.conf")

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$(($1 * 5)) what=$2; shift 2
  for _ in $(seq 1 "$limit"); do "$@" && return 0; sleep 0.2; done
  say "timed out waiting for $what (logs in $D/log)"
  exit 1
}

# The daemons fork into the background; their stdio goes to the log dir so that a caller
# capturing our stdout (a test runner) is not kept waiting by inherited pipes, and they do not
# keep the start lock (fd 9), so that another s3-up.sh can see this instance is up.
# --addv with an explicit v1 address: ceph.conf names a v1 mon host, and --add makes a v2 address
# for any port but 6789 (the mon then never answers)
monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" -i a --mkfs --monmap "$D/monmap" </dev/null >>"$D/log/stdio.log" 2>&1
ceph-mon "${C[@]}" -i a </dev/null 9>&- >>"$D/log/stdio.log" 2>&1
wait_for 30 ceph-mon sh -c "ceph -c '$D/ceph.conf' -s --connect-timeout 2 >/dev/null 2>&1"

OSD_UUID=$(uuidgen)
OSD_ID=$(ceph "${C[@]}" osd new "$OSD_UUID" 2>>"$D/log/stdio.log")
mkdir -p "$D/osd/osd.$OSD_ID"
ceph "${C[@]}" osd crush add-bucket localhost host >>"$D/log/stdio.log" 2>&1
ceph "${C[@]}" osd crush move localhost root=default >>"$D/log/stdio.log" 2>&1
ceph "${C[@]}" osd crush add "osd.$OSD_ID" 1.0 host=localhost >>"$D/log/stdio.log" 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" </dev/null >>"$D/log/stdio.log" 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" </dev/null 9>&- >>"$D/log/stdio.log" 2>&1
wait_for 30 "the OSD" sh -c "ceph -c '$D/ceph.conf' osd stat -f json 2>/dev/null | grep -q '\"num_up_osds\":1'"

radosgw "${C[@]}" -n client.rgw.a </dev/null 9>&- >>"$D/log/stdio.log" 2>&1
wait_for 60 radosgw port_answers "$RGW_PORT"
# --max-buckets 0: no limit (every test creates its own bucket)
radosgw-admin "${C[@]}" user create --uid=yumda-test --display-name=yumda-test \
  --access-key="$AK" --secret-key="$SK" --max-buckets=0 >>"$D/log/stdio.log" 2>&1

print_settings >"$D/ready"
say "radosgw ready on 127.0.0.1:$RGW_PORT in $((($(date +%s%N) - T0) / 1000000)) ms (state in $D; stop with scripts/s3-down.sh)"
print_settings
