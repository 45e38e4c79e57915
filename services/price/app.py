"""price: exchange-rate quotes. GET /price/<CCY> -> {"pair": "EUR/USD", "rate": ...}; GET /static/<file>."""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "price v1"
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
QUOTE = os.environ.get("QUOTE_CURRENCY", "USD")
RATES = {"EUR": 1.08, "GBP": 1.27, "CHF": 1.12, "JPY": 0.0067, "USD": 1.0}


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
        if self.path == "/":
            return self.reply(200, {"service": "price", "version": VERSION, "currencies": sorted(RATES)})
        if self.path.startswith("/static/"):
            name = os.path.basename(self.path)
            file = os.path.join(STATIC, name)
            if not name or not os.path.isfile(file):
                return self.reply(404, {"error": f"no static file {name}"})
            with open(file, encoding="utf-8") as f:
                return self.reply(200, {"file": name, "text": f.read()})
        if self.path.startswith("/price/"):
            ccy = self.path.removeprefix("/price/").upper()
            if ccy not in RATES:
                return self.reply(404, {"error": f"unknown currency {ccy}", "known": sorted(RATES)})
            return self.reply(200, {"pair": f"{ccy}/{QUOTE}", "rate": round(RATES[ccy] / RATES[QUOTE], 6)})
        return self.reply(404, {"error": "not found"})

    def log_message(self, fmt, *args):
        if "/healthz" not in self.path:
            super().log_message(fmt, *args)


if __name__ == "__main__":
    if QUOTE not in RATES:
        raise SystemExit(f"price: unknown QUOTE_CURRENCY {QUOTE}; known: {', '.join(sorted(RATES))}")
    # Like most servers, stop at SIGTERM (the first process of a container would otherwise ignore
    # it and be killed at the end of the grace period): pods are replaced in a moment.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8080"))
    print(f"{VERSION} listening on :{port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
