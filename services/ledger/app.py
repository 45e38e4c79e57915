"""ledger: ledger entries on Kafka, typed by a JSON schema registered in the Schema Registry.

GET / -> registers the entry schema, produces one entry in the Confluent wire format (magic
byte, schema id, payload), consumes it back from its offset and returns both: proof that Kafka
and the Schema Registry are reachable and usable.
"""
import json
import os
import struct
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from confluent_kafka import Consumer, Producer, TopicPartition

TOPIC = os.environ.get("LEDGER_TOPIC", "ledger-entries")
SUBJECT = f"{TOPIC}-value"
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "LedgerEntry",
    "type": "object",
    "properties": {"id": {"type": "string"}, "account": {"type": "string"}, "amount": {"type": "integer"}},
    "required": ["id", "account", "amount"],
}


def register_schema():
    body = json.dumps({"schemaType": "JSON", "schema": json.dumps(SCHEMA)}).encode()
    req = urllib.request.Request(
        f"{os.environ['SCHEMA_REGISTRY_URL']}/subjects/{SUBJECT}/versions",
        data=body,
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["id"]


def round_trip(schema_id):
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    entry = {"id": str(uuid.uuid4()), "account": "demo", "amount": 42}
    delivered = {}
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 15000})
    producer.produce(
        TOPIC,
        key=entry["id"].encode(),
        value=struct.pack(">bI", 0, schema_id) + json.dumps(entry).encode(),
        on_delivery=lambda err, msg: delivered.update(err=err, partition=msg.partition(), offset=msg.offset()),
    )
    producer.flush(15)
    if delivered.get("err") or "offset" not in delivered:
        raise RuntimeError(f"produce failed: {delivered.get('err', 'no delivery report')}")
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ledger-{uuid.uuid4()}", "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(TOPIC, delivered["partition"], delivered["offset"])])
        msg = consumer.poll(15)
        if msg is None or msg.error():
            raise RuntimeError(f"consume failed: {msg.error() if msg else 'timeout'}")
        magic, consumed_id = struct.unpack(">bI", msg.value()[:5])
        return entry, {"schemaId": consumed_id, "magic": magic, "entry": json.loads(msg.value()[5:])}, delivered
    finally:
        consumer.close()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        if self.path != "/":
            return self.reply(404, {"error": "not found"})
        try:
            schema_id = register_schema()
            produced, consumed, where = round_trip(schema_id)
            self.reply(200, {
                "service": "ledger",
                "subject": SUBJECT,
                "schemaId": schema_id,
                "produced": produced,
                "consumed": consumed,
                "partition": where["partition"],
                "offset": where["offset"],
            })
        except Exception as err:
            self.reply(503, {"service": "ledger", "error": f"{type(err).__name__}: {err}"})

    def log_message(self, fmt, *args):
        if "/healthz" not in self.path:
            super().log_message(fmt, *args)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
