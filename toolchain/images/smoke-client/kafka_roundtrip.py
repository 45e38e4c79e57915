#!/usr/bin/env python3
"""Round trip through a Kafka broker with librdkafka: create a topic, produce 10 records with an
idempotent lz4 producer, consume them back in a consumer group and commit. Usage: kafka_roundtrip.py BOOTSTRAP"""
import sys, time, uuid
import confluent_kafka as ck
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
topic = "smoke-" + uuid.uuid4().hex[:8]
print("confluent-kafka", ck.version(), "librdkafka", ck.libversion())
admin = AdminClient({"bootstrap.servers": bootstrap})
for t, f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).items():
    f.result(30)
print("created", topic)
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "compression.type": "lz4"})
delivered = []
for i in range(10):
    p.produce(topic, key=str(i), value=f"msg-{i}", on_delivery=lambda err, msg: delivered.append(err or msg.offset()))
p.flush(30)
errs = [d for d in delivered if not isinstance(d, int)]
assert not errs and len(delivered) == 10, delivered
print("produced", len(delivered))
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "g-" + topic, "auto.offset.reset": "earliest"})
c.subscribe([topic])
got, deadline = [], time.time() + 60
while len(got) < 10 and time.time() < deadline:
    m = c.poll(1.0)
    if m is None:
        continue
    if m.error():
        raise SystemExit(f"consume error: {m.error()}")
    got.append(m.value().decode())
c.commit(asynchronous=False)
c.close()
assert got == [f"msg-{i}" for i in range(10)], got
print("consumed", len(got), "OK")
