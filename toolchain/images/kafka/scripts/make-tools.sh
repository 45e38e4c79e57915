#!/usr/bin/env bash
# Build-time helper: writes one bin/<script> per line of tools.list (`exec kafka-run-class.sh CLASS "$@"`,
# as the distribution's scripts do) and fails when a main class is missing from libs/.
set -euo pipefail
bin="$1" libs="$2"
classes="$(mktemp)"
for j in "$libs"/*.jar; do unzip -Z1 "$j"; done | grep '\.class$' | sort -u >"$classes"
grep -v '^#' "$bin/tools.list" | while read -r script class heap; do
	[ -n "$script" ] || continue
	grep -qx "${class//.//}.class" "$classes" || { echo "missing main class $class for $script" >&2; exit 1; }
	{
		echo '#!/usr/bin/env bash'
		if [ "$heap" != - ]; then
			echo "if [ -z \"\${KAFKA_HEAP_OPTS:-}\" ]; then export KAFKA_HEAP_OPTS=\"$heap\"; fi"
		fi
		echo "exec \"\$(dirname \"\$0\")/kafka-run-class.sh\" $class \"\$@\""
	} >"$bin/$script"
	chmod 0755 "$bin/$script"
done
rm -f "$classes" "$bin/tools.list" "$bin/make-tools.sh"
