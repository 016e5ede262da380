#!/bin/sh
# `make run`: initialise the embedded default store under var/ on first use, then
# start the broker in the foreground.
#   tools/run.sh BIN_DIR VAR_DIR
set -e
bin=$1
var=$2
store="$var/store"
mkdir -p "$var"
chmod 700 "$var"
if [ ! -f "$store/data.mdb" ]; then
    "$bin/huddle" --store "$store" init
fi
if [ -x "$bin/huddled" ]; then
    exec "$bin/huddled" --store "$store"
fi
# The broker daemon is not part of this build yet: show the store it will serve.
echo "huddle: the broker (huddled) is not built yet; the store is ready:"
exec "$bin/huddle" --store "$store" stat
