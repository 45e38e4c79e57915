#!/usr/bin/env bash
# /opt/jboss/container/java/run/run-java.sh of localkube-e2e/schema-registry: the subset of the Red Hat
# UBI OpenJDK runtime image's launcher that the upstream Apicurio Registry image relies on.
#   JAVA_APP_DIR (default /deployments), JAVA_APP_JAR (e.g. /deployments/quarkus-run.jar) or
#   JAVA_MAIN_CLASS + JAVA_CLASSPATH, JAVA_OPTS (replaces the computed defaults), JAVA_OPTS_APPEND,
#   JAVA_MAX_MEM_RATIO (default 80: -XX:MaxRAMPercentage), JAVA_INITIAL_MEM_RATIO,
#   JAVA_DEBUG=true (+ JAVA_DEBUG_PORT, default 5005), JAVA_ARGS and "$@" as program arguments.
set -euo pipefail

: "${JAVA_APP_DIR:=/deployments}"
cd "$JAVA_APP_DIR"

if [ -z "${JAVA_OPTS+x}" ]; then
	JAVA_OPTS="-XX:MaxRAMPercentage=${JAVA_MAX_MEM_RATIO:-80}.0"
	if [ -n "${JAVA_INITIAL_MEM_RATIO:-}" ]; then
		JAVA_OPTS="$JAVA_OPTS -XX:InitialRAMPercentage=${JAVA_INITIAL_MEM_RATIO}.0"
	fi
	JAVA_OPTS="$JAVA_OPTS -XX:+UseParallelGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90 -XX:+ExitOnOutOfMemoryError"
fi
if [ "${JAVA_DEBUG:-false}" = true ]; then
	JAVA_OPTS="$JAVA_OPTS -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=${JAVA_DEBUG_PORT:-5005}"
fi

if [ -n "${JAVA_APP_JAR:-}" ]; then
	launch=(-jar "$JAVA_APP_JAR")
elif [ -n "${JAVA_MAIN_CLASS:-}" ]; then
	launch=(-cp "${JAVA_CLASSPATH:-$JAVA_APP_DIR/*}" "$JAVA_MAIN_CLASS")
else
	echo "run-java.sh: set JAVA_APP_JAR or JAVA_MAIN_CLASS" >&2
	exit 1
fi

# word splitting of JAVA_OPTS / JAVA_OPTS_APPEND / JAVA_ARGS is intended
# shellcheck disable=SC2086
exec "${JAVA_HOME:-/usr/lib/jvm/jre-21}/bin/java" $JAVA_OPTS ${JAVA_OPTS_APPEND:-} "${launch[@]}" ${JAVA_ARGS:-} "$@"
