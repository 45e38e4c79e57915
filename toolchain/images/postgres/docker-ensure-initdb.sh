#!/usr/bin/env bash
# Same contract as the official image's docker-ensure-initdb.sh: initialise PGDATA (initdb, POSTGRES_DB,
# /docker-entrypoint-initdb.d) without starting the server, e.g. from an init container.
#   docker-ensure-initdb.sh   -> exits 0 when PGDATA already holds a database
#   docker-enforce-initdb.sh  -> exits 1 when PGDATA already holds a database
# Arguments are postgres server arguments, as for docker-entrypoint.sh.
set -Eeuo pipefail

# shellcheck source=docker-entrypoint.sh
source /usr/local/bin/docker-entrypoint.sh

if [ "$#" -eq 0 ] || [ "$1" != postgres ]; then
	set -- postgres "$@"
fi

docker_setup_env
docker_create_db_directories
_step_down "$@"

if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
	docker_initialize "$@"
else
	self="$(basename "$0")"
	case "$self" in
	docker-ensure-initdb.sh)
		echo >&2 "$self: note: database already initialized in '$PGDATA'!"
		exit 0
		;;
	docker-enforce-initdb.sh)
		echo >&2 "$self: error: (unexpected) database found in '$PGDATA'!"
		exit 1
		;;
	*)
		echo >&2 "$self: error: unexpected file name: $self"
		exit 1
		;;
	esac
fi
