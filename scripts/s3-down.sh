#!/usr/bin/env bash
# Stops the radosgw/Ceph instance started by scripts/s3-up.sh (by its PID files, never by name)
# and removes its state. Idempotent: nothing running is not an error.
# Settings: YUMDA_S3_DIR (same default as s3-up.sh).
set -uo pipefail
D=${YUMDA_S3_DIR:-${TMPDIR:-/tmp}/yumda-s3-local}
[ -d "$D" ] || { echo "s3-down: nothing to stop ($D does not exist)" >&2; exit 0; }

is_running() { kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" | grep -q Z; }

# radosgw first, then the OSD, then the monitor
for name in client.rgw.a osd.0 mon.a; do
  f="$D/pids/$name.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  is_running "$pid" || continue
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 100); do is_running "$pid" || break; sleep 0.1; done
  if is_running "$pid"; then kill -9 "$pid" 2>/dev/null; fi
done
rm -rf "$D"
echo "s3-down: stopped and removed $D" >&2
