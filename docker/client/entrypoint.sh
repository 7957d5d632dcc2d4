#!/bin/sh
# Maps `docker run IMAGE …` to the yumda CLI, installing into the mounted layer (/lambda/opt):
#   install git openssh        → yumda install git openssh -d /lambda/opt
#   yum install -y git         → the same (the original yumda's syntax; -y and yum's flags it
#                                 does not need are accepted)
#   update/upgrade [NAME…]     → yumda update … -d /lambda/opt
#   remove/erase/list/info …   → yumda … -d /lambda/opt where the command takes a layer dir
#   check, zip (no arguments)  → check /lambda/opt; zip /lambda/opt to stdout (> layer.zip)
#   anything else              → yumda … unchanged (search, provides, --help, zip/check with args)
# YUMDA_DEST overrides /lambda/opt; YUMDA_BIN overrides how yumda is run (for tests on a host).
set -eu
dest="${YUMDA_DEST:-/lambda/opt}"
if [ -n "${YUMDA_BIN:-}" ]; then
  run() { exec $YUMDA_BIN "$@"; }
else
  run() { exec node /opt/yumda/dist/src/cli/main.js "$@"; }
fi

if [ "${1:-}" = "yum" ] || [ "${1:-}" = "yumda" ]; then
  shift
fi
[ $# -eq 0 ] && run --help

cmd="$1"
shift
case "$cmd" in
  install|reinstall|update|upgrade)
    # drop yum-only flags the original image was called with
    args=""
    for a in "$@"; do
      case "$a" in
        -y|--assumeyes|-q|--quiet|--nogpgcheck|--setopt=*) ;;
        *) args="$args $(printf '%s' "$a" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")" ;;
      esac
    done
    eval "set -- $args"
    case "$cmd" in
      update|upgrade) run update "$@" -d "$dest" ;;
      *) run install "$@" -d "$dest" ;;
    esac
    ;;
  remove|erase)
    args=""
    for a in "$@"; do
      case "$a" in
        -y|--assumeyes) ;;
        *) args="$args $(printf '%s' "$a" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")" ;;
      esac
    done
    eval "set -- $args"
    run remove "$@" -d "$dest"
    ;;
  list)
    case " $* " in
      *" --installed "*) run list "$@" -d "$dest" ;;
      *) run list "$@" ;;
    esac
    ;;
  check)
    if [ $# -eq 0 ]; then run check "$dest"; else run check "$@"; fi
    ;;
  zip)
    # bare `zip`: the layer's zip on stdout (docker run … zip > layer.zip), since a file written
    # inside the container but outside the volume is lost with --rm
    if [ $# -eq 0 ]; then run zip "$dest" -o -; else run zip "$@"; fi
    ;;
  *)
    run "$cmd" "$@"
    ;;
esac
