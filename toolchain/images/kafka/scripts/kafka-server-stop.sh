#!/usr/bin/env bash
# kafka-server-stop.sh: SIGTERM to the kafka.Kafka JVM(s) of this container.
SIGNAL=${SIGNAL:-TERM}
PIDS=$(ps ax | grep -i 'kafka\.Kafka' | grep java | grep -v grep | awk '{print $1}')
if [ -z "$PIDS" ]; then
	echo "No kafka server to stop"
	exit 1
fi
# shellcheck disable=SC2086
kill -s "$SIGNAL" $PIDS
