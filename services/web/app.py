"""web: the customer-facing page, rendering the demo account that bank returns."""
import html
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            status, body, ctype = 200, b'{"status": "ok"}', "application/json"
        else:
            try:
                with urllib.request.urlopen(f"{os.environ['BANK_URL']}/", timeout=10) as r:
                    acct = json.load(r)["account"]
                text = f"<h1>Account {html.escape(acct['id'])}</h1><p>{acct['balance']} {html.escape(acct['currency'])}</p>"
                status = 200
            except Exception as err:
                text, status = f"<h1>bank unavailable</h1><p>{html.escape(str(err))}</p>", 503
            body, ctype = f"<!doctype html><title>localkube web</title>{text}".encode(), "text/html; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
