// web: the customer-facing page — the demo account from bank, and its balance in other currencies
// converted by fx. Node.js from Debian, no npm packages.
//
//   GET /            -> the page
//   GET /api/account -> {"service":"web","version":"web v1","account":{…},"values":[{"to":"CHF","result":…},…]}
//   GET /healthz     -> process liveness only
//
// `node --watch` restarts the process when this file changes: npm run dev's live update copies a
// saved server.js into the running pod and node does the rest (restart: none).
"use strict";
const http = require("node:http");

const VERSION = "web v1";
const CURRENCIES = ["CHF", "EUR", "GBP", "USD"];

/** GET a JSON document from another service of the namespace. */
function getJson(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        try {
          const body = JSON.parse(text);
          if (res.statusCode !== 200)
            reject(new Error(`${url}: ${res.statusCode} ${body.error ?? ""}`));
          else resolve(body);
        } catch (err) {
          reject(new Error(`${url}: ${res.statusCode}, not JSON: ${err.message}`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer in 10 s`)));
    req.on("error", reject);
  });
}

/** The demo account and its value in the other currencies. */
async function accountView() {
  const { account } = await getJson(`${process.env.BANK_URL}/`);
  const balance = account.balance;
  const values = await Promise.all(
    CURRENCIES.filter((to) => to !== account.currency).map((to) =>
      getJson(`${process.env.FX_URL}/convert?amount=${balance}&from=${account.currency}&to=${to}`),
    ),
  );
  return {
    service: "web",
    version: VERSION,
    account,
    values: values.map((v) => ({ to: v.to, rate: v.rate, result: v.result })),
  };
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(view) {
  const rows = view.values.map((v) => `<li>${escape(v.result)} ${escape(v.to)}</li>`).join("");
  return `<!doctype html><title>localkube web</title><h1>Account ${escape(view.account.id)}</h1><p>${escape(view.account.balance)} ${escape(view.account.currency)}</p><ul>${rows}</ul>`;
}

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, res) {
  if (req.url === "/healthz") return send(res, 200, "application/json", '{"status":"ok"}');
  if (req.url !== "/" && req.url !== "/api/account")
    return send(res, 404, "application/json", '{"error":"not found"}');
  try {
    const view = await accountView();
    if (req.url === "/api/account") send(res, 200, "application/json", JSON.stringify(view));
    else send(res, 200, "text/html; charset=utf-8", render(view));
  } catch (err) {
    const body = { service: "web", error: err.message };
    send(res, 503, "application/json", JSON.stringify(body));
  }
}

const port = Number(process.env.PORT ?? 8080);
http
  .createServer((req, res) => void handle(req, res))
  .listen(port, () => console.log(`${VERSION} listening on :${port}`));
