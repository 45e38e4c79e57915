"""price: exchange-rate quotes. GET /price/<CCY> -> {"pair": "EUR/USD", "rate": ...}."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "price v1"
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
    port = int(os.environ.get("PORT", "8080"))
    print(f"{VERSION} listening on :{port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
