#!/usr/bin/env bash
# The README quick start's main job: builds yumda if needed, then runs the whole pipeline on the
# sample distribution (scripts/pipeline-demo.ts). Optional: YUMDA_DEMO_REPO=s3://bucket/prefix to
# publish to S3 instead of a local directory; the first argument is the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# the supported Node (a dev dependency) first, whatever the machine has (Debian 12 ships 18, this
# kind of machine 20): the demo and every yumda it runs use it
export PATH="$PWD/node_modules/.bin:$PATH"
[ -f dist/src/cli/main.js ] && [ -f dist/scripts/pipeline-demo.js ] && [ dist/scripts/pipeline-demo.js -nt scripts/pipeline-demo.ts ] || npm run build >/dev/null
exec node dist/scripts/pipeline-demo.js "$@"
