"""bank: accounts in PostgreSQL, valued with quotes from price.

GET / -> the demo account read from Postgres and its value from price: proof that both
dependencies are reachable. GET /healthz -> process liveness only.
"""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

GREETING = "bank v1"
ACCOUNT = os.environ.get("ACCOUNT_ID", "demo")


def account():
    with psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, balance numeric NOT NULL, currency text NOT NULL)")
        cur.execute("INSERT INTO accounts VALUES (%s, 100, 'EUR') ON CONFLICT (id) DO NOTHING", (ACCOUNT,))
        cur.execute("SELECT balance, currency, current_database(), current_user, version() FROM accounts WHERE id = %s", (ACCOUNT,))
        balance, currency, database, user, version = cur.fetchone()
    return {"id": ACCOUNT, "balance": float(balance), "currency": currency}, {
        "database": database,
        "user": user,
        "server": version.split(" on ")[0],
    }


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
            acct, postgres = account()
            with urllib.request.urlopen(f"{os.environ['PRICE_URL']}/price/{acct['currency']}", timeout=5) as r:
                quote = json.load(r)
            acct["value"] = {quote["pair"].split("/")[1]: round(acct["balance"] * quote["rate"], 2)}
            self.reply(200, {"service": "bank", "message": GREETING, "account": acct, "postgres": postgres, "price": quote})
        except Exception as err:  # the page reports which dependency failed
            self.reply(503, {"service": "bank", "error": f"{type(err).__name__}: {err}"})

    def log_message(self, fmt, *args):
        if "/healthz" not in self.path:
            super().log_message(fmt, *args)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
