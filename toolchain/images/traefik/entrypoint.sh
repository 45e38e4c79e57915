#!/bin/sh
# Same behaviour as the official traefik image's /entrypoint.sh (traefik/traefik-library-image):
# flags alone run traefik, a traefik subcommand runs through traefik, anything else is exec'd as is.
set -e

# first argument is `-f` or `--some-option`: run traefik with it
if [ "${1#-}" != "$1" ]; then
	set -- traefik "$@"
fi

# a valid traefik subcommand (e.g. `version`, `healthcheck`) runs through traefik
if traefik "$1" --help >/dev/null 2>&1; then
	set -- traefik "$@"
else
	echo "= '$1' is not a Traefik command: assuming shell execution." 1>&2
fi

exec "$@"
