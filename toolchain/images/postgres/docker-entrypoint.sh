#!/usr/bin/env bash
# Entrypoint of localkube-e2e/postgres. It implements the runtime contract of the official postgres:15
# image's docker-entrypoint.sh (docker-library/postgres), so manifests written for that image work as is:
#
#   POSTGRES_PASSWORD   superuser password; required on first start unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER       superuser name (default postgres)
#   POSTGRES_DB         database created on first start (default $POSTGRES_USER)
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD (default: password_encryption,
#                       i.e. scram-sha-256 on 15), PGDATA (default /var/lib/postgresql/data), PGPORT
#   *_FILE              variants of POSTGRES_PASSWORD/USER/DB/INITDB_ARGS read the value from a file
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz|*.sql.zst run once after initdb
#
# Started as root it fixes the ownership of PGDATA and /var/run/postgresql, then re-executes itself as
# uid 999 `postgres` (setpriv from util-linux instead of gosu). The file can be sourced (see
# docker-ensure-initdb.sh); sourced *.sh init scripts may call docker_process_sql or "${psql[@]}".
#
# Deliberate extension: a PGDATA that contains nothing but lost+found (a fresh filesystem mounted
# directly at PGDATA) is initialised as well instead of failing in initdb.
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR from the environment, or from the file named by VAR_FILE, or DEFAULT.
file_env() {
	local var="$1" file_var="${1}_FILE" def="${2:-}" val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$file_var"
		exit 1
	fi
	val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		val="$(<"${!file_var}")"
	fi
	export "$var"="$val"
	unset "$file_var"
}

_is_sourced() {
	[ "${#FUNCNAME[@]}" -ge 2 ] && [ "${FUNCNAME[0]}" = '_is_sourced' ] && [ "${FUNCNAME[1]}" = 'source' ]
}

# Creates PGDATA, the socket directory and the WAL directory; as root, hands them to postgres.
docker_create_db_directories() {
	local uid
	uid="$(id -u)"
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || : # may fail on some mounts; postgres complains later if it matters
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$uid" = 0 ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$uid" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
	fi
}

# Runs initdb for POSTGRES_USER with POSTGRES_PASSWORD (extra arguments: POSTGRES_INITDB_ARGS and "$@").
docker_init_database_dir() {
	local uid gid wrapper target="$PGDATA" staged=
	uid="$(id -u)"
	gid="$(id -g)"
	# initdb wants the current uid in /etc/passwd: fake it with nss_wrapper for arbitrary --user values
	if ! getent passwd "$uid" &>/dev/null; then
		for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
			if [ -s "$wrapper" ]; then
				NSS_WRAPPER_PASSWD="$(mktemp)"
				NSS_WRAPPER_GROUP="$(mktemp)"
				export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
				printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$uid" "$gid" "$PGDATA" >"$NSS_WRAPPER_PASSWD"
				printf 'postgres:x:%s:\n' "$gid" >"$NSS_WRAPPER_GROUP"
				break
			fi
		done
	fi

	# A freshly mounted filesystem: only lost+found. initdb refuses non-empty directories, so initialise
	# a staging directory on the same filesystem and move its contents up.
	if [ -d "$PGDATA/lost+found" ] && [ -z "$(find "$PGDATA" -mindepth 1 -maxdepth 1 ! -name lost+found -print -quit)" ]; then
		staged="$PGDATA/.localkube-initdb"
		target="$staged"
		echo "PGDATA $PGDATA holds only lost+found: initialising via $staged"
	fi

	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# --pwfile needs a non-empty file, hence the trailing newline
	eval 'initdb -D "$target" --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "$@"'

	if [ -n "$staged" ]; then
		find "$staged" -mindepth 1 -maxdepth 1 -exec mv -t "$PGDATA" '{}' +
		rmdir "$staged"
		chmod 00700 "$PGDATA"
	fi

	if [[ "${LD_PRELOAD:-}" == */libnss_wrapper.so ]]; then
		rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
		unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
	fi
}

# Refuses to initialise without a password unless trust was asked for explicitly.
docker_verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.
		EOE
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		echo >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every client may connect without a password.'
	fi
}

# docker_process_init_files FILE...: runs *.sh (executable: run, else sourced) and SQL files.
docker_process_init_files() {
	psql=(docker_process_sql) # for sourced scripts written against the official image
	printf '\n'
	local f
	for f; do
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				printf '%s: running %s\n' "$0" "$f"
				"$f"
			else
				printf '%s: sourcing %s\n' "$0" "$f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) printf '%s: running %s\n' "$0" "$f"; docker_process_sql -f "$f"; printf '\n' ;;
		*.sql.gz) printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | docker_process_sql; printf '\n' ;;
		*.sql.xz) printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | docker_process_sql; printf '\n' ;;
		*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | docker_process_sql; printf '\n' ;;
		*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
		printf '\n'
	done
}

# docker_process_sql [psql args]: psql as POSTGRES_USER on the local socket, stop on the first error.
docker_process_sql() {
	local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ -n "$POSTGRES_DB" ]; then
		runner+=(--dbname "$POSTGRES_DB")
	fi
	PGHOST= PGHOSTADDR= "${runner[@]}" "$@"
}

# Creates POSTGRES_DB unless it exists (it does when it is "postgres").
docker_setup_db() {
	local exists
	exists="$(POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [ -z "$exists" ]; then
		POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		printf '\n'
	fi
}

# Reads the POSTGRES_* settings; sets DATABASE_ALREADY_EXISTS when PGDATA holds a cluster.
docker_setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	declare -g DATABASE_ALREADY_EXISTS
	: "${DATABASE_ALREADY_EXISTS:=}"
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# Appends `host all all all <method>` to pg_hba.conf; the method defaults to password_encryption.
pg_setup_hba_conf() {
	if [ "$1" = postgres ]; then
		shift
	fi
	local auth
	auth="$(postgres -C password_encryption "$@")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
	{
		printf '\n'
		if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
			printf '# warning trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

# Socket-only temporary server for the setup steps (arguments go to postgres through pg_ctl).
docker_temp_server_start() {
	if [ "$1" = postgres ]; then
		shift
	fi
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	NOTIFY_SOCKET= \
		PGUSER="${PGUSER:-$POSTGRES_USER}" \
		pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

docker_temp_server_stop() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

# True when the postgres arguments ask for help/version output only.
_pg_want_help() {
	local arg
	for arg; do
		case "$arg" in
		-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}

# Re-executes this script as postgres when running as root.
_step_down() {
	if [ "$(id -u)" = 0 ]; then
		export HOME=/var/lib/postgresql
		exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
	fi
}

# First start: initdb, pg_hba entry, temporary server, POSTGRES_DB, init scripts.
docker_initialize() {
	docker_verify_minimum_env
	ls /docker-entrypoint-initdb.d/ >/dev/null # fail early on unreadable init scripts
	docker_init_database_dir
	pg_setup_hba_conf "$@"
	# needed for psql when local connections require a password (e.g. --auth-local=md5)
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	docker_temp_server_start "$@"
	docker_setup_db
	docker_process_init_files /docker-entrypoint-initdb.d/*
	docker_temp_server_stop
	unset PGPASSWORD
}

_main() {
	# flags only: run the server with them
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "$1" = postgres ] && ! _pg_want_help "$@"; then
		docker_setup_env
		docker_create_db_directories
		_step_down "$@"

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			docker_initialize "$@"
			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
		unset "${!POSTGRES_@}"
	fi

	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
