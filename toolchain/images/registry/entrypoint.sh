#!/bin/sh
# Same behaviour as the official registry:2 image's /entrypoint.sh: a config file argument runs
# `registry serve FILE`; a registry subcommand or flag runs through `registry`; anything else is exec'd.
set -e

case "$1" in
*.yaml | *.yml) set -- registry serve "$@" ;;
serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac

exec "$@"
