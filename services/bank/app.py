"""bank: accounts in PostgreSQL, valued with quotes from price.

GET / -> the demo account read from Postgres (from the tables bank-migrate created before bank
started) and its value from price: proof that the dependencies are reachable and ran.
POST /settlements -> records a settlement batch (settlement, a CronJob, posts one per run).
GET /settlements -> the latest settlements. GET /healthz -> process liveness only.
"""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

GREETING = "bank v1"
ACCOUNT = os.environ.get("ACCOUNT_ID", "demo")
# Mounted from the repository (services/config/bank.json) through a ConfigMap.
CONFIG_FILE = os.environ.get("BANK_CONFIG", "/etc/bank/config.json")


def config():
    try:
        with open(CONFIG_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def connect():
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5)


def account():
    # The tables are bank-migrate's: bank only reads them.
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT balance, currency, current_database(), current_user, version() FROM accounts WHERE id = %s", (ACCOUNT,))
        balance, currency, database, user, version = cur.fetchone()
        cur.execute("SELECT version, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1")
        schema, applied = cur.fetchone()
    return {"id": ACCOUNT, "balance": float(balance), "currency": currency}, {
        "database": database,
        "user": user,
        "server": version.split(" on ")[0],
        "schema": {"version": schema, "appliedAt": applied.isoformat()},
    }


def settlements():
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, settled_at, batch, signature FROM settlements ORDER BY id DESC LIMIT 10")
        rows = cur.fetchall()
    return [{"id": i, "settledAt": t.isoformat(), "batch": b, "signature": s} for i, t, b, s in rows]


def settle(body):
    with connect() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO settlements (batch, signature) VALUES (%s, %s) RETURNING id", (body["batch"], body["signature"]))
        return {"id": cur.fetchone()[0], "batch": body["batch"]}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path != "/settlements":
            return self.reply(404, {"error": "not found"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.reply(201, settle(body))
        except Exception as err:
            self.reply(503, {"service": "bank", "error": f"{type(err).__name__}: {err}"})

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        if self.path == "/settlements":
            try:
                return self.reply(200, {"settlements": settlements()})
            except Exception as err:
                return self.reply(503, {"service": "bank", "error": f"{type(err).__name__}: {err}"})
        if self.path != "/":
            return self.reply(404, {"error": "not found"})
        try:
            acct, postgres = account()
            with urllib.request.urlopen(f"{os.environ['PRICE_URL']}/price/{acct['currency']}", timeout=5) as r:
                quote = json.load(r)
            acct["value"] = {quote["pair"].split("/")[1]: round(acct["balance"] * quote["rate"], 2)}
            self.reply(200, {"service": "bank", "message": GREETING, "bank": config().get("displayName"), "account": acct, "postgres": postgres, "price": quote})
        except Exception as err:  # the page reports which dependency failed
            self.reply(503, {"service": "bank", "error": f"{type(err).__name__}: {err}"})

    def log_message(self, fmt, *args):
        if "/healthz" not in self.path:
            super().log_message(fmt, *args)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
