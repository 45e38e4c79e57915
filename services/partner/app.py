"""partner: a partner team's offers, priced with price. Deployed from the team's own Helm chart.

GET / -> an offer with its price from price (the chart sets PRICE_URL). GET /healthz -> liveness.
"""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GREETING = "partner v1"


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
            with urllib.request.urlopen(f"{os.environ['PRICE_URL']}/price/EUR", timeout=5) as r:
                quote = json.load(r)
            self.reply(200, {"service": "partner", "message": GREETING, "offer": {"EUR": 10, quote["pair"]: round(10 * quote["rate"], 2)}})
        except Exception as err:
            self.reply(503, {"service": "partner", "error": f"{type(err).__name__}: {err}"})

    def log_message(self, fmt, *args):
        if "/healthz" not in self.path:
            super().log_message(fmt, *args)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
