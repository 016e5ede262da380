#!/bin/sh
# `make run`: on first use, create the store under var/ with the broker's keys and the
# first admin (`huddle init`), then register the fictional demo neighbourhood with one
# agent per role (`huddle demo`: its output says how to connect as one); then start the
# broker in the foreground.
#   tools/run.sh BIN_DIR VAR_DIR
set -e
bin=$1
var=$2
store="$var/store"
mkdir -p "$var"
chmod 700 "$var"
if [ ! -f "$store/data.mdb" ]; then
    "$bin/huddle" --store "$store" init
    echo
    "$bin/huddle" --store "$store" demo
    echo
fi
if [ -x "$bin/huddled" ]; then
    exec "$bin/huddled" --store "$store"
fi
# The broker daemon is not part of this build yet: show the store it will serve.
echo "huddle: the broker (huddled) is not built yet; the store is ready:"
exec "$bin/huddle" --store "$store" stat
