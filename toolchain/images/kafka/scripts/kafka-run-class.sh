#!/usr/bin/env bash
# kafka-run-class.sh for the jar-assembled localkube-e2e/kafka image: the same knobs as the script in
# Kafka's distribution (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS,
# JMX_PORT, KAFKA_LOG4J_OPTS, KAFKA_OPTS, LOG_DIR, CLASSPATH, JAVA_HOME, -daemon/-name/-loggc).
set -e

if [ $# -lt 1 ]; then
	echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]"
	exit 1
fi

base_dir="$(cd "$(dirname "$0")/.." && pwd)"

CLASSPATH="${CLASSPATH:+$CLASSPATH:}$base_dir/libs/*"

: "${LOG_DIR:=$base_dir/logs}"
mkdir -p "$LOG_DIR" 2>/dev/null || :

if [ -z "${KAFKA_JMX_OPTS:-}" ]; then
	KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"
fi
if [ -n "${JMX_PORT:-}" ]; then
	KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT"
	if ! [[ "$KAFKA_JMX_OPTS" == *"-Dcom.sun.management.jmxremote.rmi.port="* ]]; then
		KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.rmi.port=$JMX_PORT"
	fi
fi

if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
	KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
fi
KAFKA_LOG4J_OPTS="-Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS"

: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"

DAEMON_MODE=false
DAEMON_NAME=
GC_LOG_ENABLED=false
while [ $# -gt 0 ]; do
	case "$1" in
	-name) DAEMON_NAME="$2"; CONSOLE_OUTPUT_FILE="$LOG_DIR/$DAEMON_NAME.out"; shift 2 ;;
	-loggc) GC_LOG_ENABLED=true; shift ;;
	-daemon) DAEMON_MODE=true; shift ;;
	*) break ;;
	esac
done

if [ "$GC_LOG_ENABLED" = true ] && [ -n "$DAEMON_NAME" ] && [ -z "${KAFKA_GC_LOG_OPTS:-}" ]; then
	KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$LOG_DIR/$DAEMON_NAME-gc.log:time,tags:filecount=10,filesize=100M"
fi

if [ -n "${JAVA_HOME:-}" ]; then
	JAVA="$JAVA_HOME/bin/java"
else
	JAVA=java
fi

# word splitting of the *_OPTS variables is intended
# shellcheck disable=SC2086
if [ "$DAEMON_MODE" = true ]; then
	nohup "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} $KAFKA_JMX_OPTS $KAFKA_LOG4J_OPTS \
		-cp "$CLASSPATH" ${KAFKA_OPTS:-} "$@" >"${CONSOLE_OUTPUT_FILE:-$LOG_DIR/kafka.out}" 2>&1 </dev/null &
else
	exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} $KAFKA_JMX_OPTS $KAFKA_LOG4J_OPTS \
		-cp "$CLASSPATH" ${KAFKA_OPTS:-} "$@"
fi
