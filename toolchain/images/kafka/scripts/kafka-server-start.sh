#!/usr/bin/env bash
# kafka-server-start.sh: runs kafka.Kafka with the server log4j2 config. The default heap is smaller
# than the distribution's -Xmx1G -Xms1G (this image is for laptops and CI); KAFKA_HEAP_OPTS overrides it.
if [ $# -lt 1 ]; then
	echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
	exit 1
fi
base_dir="$(dirname "$0")"

if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
	export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/../config/log4j2.yaml"
fi
if [ -z "${KAFKA_HEAP_OPTS:-}" ]; then
	export KAFKA_HEAP_OPTS="-Xmx512m -Xms512m"
fi

EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer -loggc'}
if [ "$1" = -daemon ]; then
	EXTRA_ARGS="-daemon $EXTRA_ARGS"
	shift
fi
# shellcheck disable=SC2086
exec "$base_dir/kafka-run-class.sh" $EXTRA_ARGS kafka.Kafka "$@"
