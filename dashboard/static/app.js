// The dashboard page: renders the view model the dev process streams (server-sent events) and
// posts the actions with the run's token. Everything shown comes from the server's view model;
// text is always set as text (log lines and messages are never parsed as HTML).
"use strict";

const token = document.querySelector('meta[name="localkube-token"]').content;
/** Lines kept per service in the page. */
const MAX_LINES = 2000;

let view = null;
/** service → [{ pod, text }] */
const logs = new Map();
let selected = decodeURIComponent(location.hash.slice(1));

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "className") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return el;
}

const badge = (state) => h("span", { className: `badge ${state}`, "data-state": state }, state);

function select(name) {
  selected = name;
  history.replaceState(null, "", name ? `#${encodeURIComponent(name)}` : "#");
  $("action-result").textContent = "";
  render();
  renderLogs();
}

function findService(name) {
  for (const g of view ? view.groups : [])
    for (const s of g.services) if (s.name === name) return s;
  return undefined;
}

function renderStack() {
  const s = view.stack;
  $("stack-name").textContent = s.name;
  $("stack-cluster").textContent = s.cluster || "—";
  $("stack-version").textContent = s.kubernetesVersion || "—";
  $("stack-registry").textContent = s.registry || "—";
  $("stack-ingress").textContent = s.ingress || "—";
  $("stack-namespace").textContent = s.namespace || "—";
  for (const [id, u] of [
    ["stack-converge", s.lastConverge],
    ["stack-update", s.lastUpdate],
  ]) {
    const el = $(id);
    el.textContent = u ? u.text : "—";
    el.title = u && u.error ? u.error : "";
    el.className = u ? (u.ok ? "ok" : "failed") : "";
  }
  $("stack-update-item").hidden = !s.lastUpdate;
  $("summary").textContent = view.summary;
  document.title = `${view.summary} · localkube ${s.name}`;
}

function renderServices() {
  const body = $("services").tBodies[0];
  const rows = [];
  for (const g of view.groups) {
    rows.push(h("tr", { className: "group" }, h("th", { colspan: 7 }, g.title)));
    for (const s of g.services) {
      rows.push(
        h(
          "tr",
          {
            className: `service${s.name === selected ? " selected" : ""}`,
            "data-service": s.name,
            onclick: () => select(s.name),
          },
          h("td", {}, h("button", { type: "button", className: "link" }, s.name)),
          h(
            "td",
            {},
            badge(s.state),
            s.problem ? h("span", { className: "why" }, s.problem.message) : null,
          ),
          h("td", { className: "source" }, s.source),
          h(
            "td",
            { className: "ready" },
            s.ready,
            s.autoscale
              ? h(
                  "span",
                  {
                    className: `autoscale${s.autoscale.stuck ? " stuck" : ""}`,
                    title: s.autoscale.text,
                  },
                  s.autoscale.summary,
                )
              : null,
          ),
          h("td", {}, s.restarts),
          h(
            "td",
            { className: "last-update", title: s.lastUpdate ? s.lastUpdate.text : "" },
            s.lastUpdate ? [s.lastUpdate.took, s.lastUpdate.age].filter(Boolean).join(" · ") : "",
          ),
          h(
            "td",
            {},
            s.url
              ? h(
                  "a",
                  {
                    href: s.url,
                    target: "_blank",
                    rel: "noreferrer",
                    onclick: (e) => e.stopPropagation(),
                  },
                  s.url,
                )
              : "",
          ),
        ),
      );
    }
  }
  body.replaceChildren(...rows);
  $("empty").hidden = view.groups.length > 0;
}

function renderForwards() {
  const list = view.forwards || [];
  $("forwards-section").hidden = list.length === 0;
  $("forwards").tBodies[0].replaceChildren(
    ...list.map((f) =>
      h(
        "tr",
        { "data-forward": f.address, "data-state": f.state },
        h("td", { className: "address" }, f.address),
        h("td", {}, f.target),
        h("td", {}, h("span", { className: `badge forward-${f.state}` }, f.state), " ", f.text),
      ),
    ),
  );
}

function renderDetail() {
  const s = findService(selected);
  $("detail").hidden = !s;
  if (!s) return;
  $("detail").dataset.service = s.name;
  $("detail-name").textContent = s.name;
  $("detail-state").replaceWith(Object.assign(badge(s.state), { id: "detail-state" }));
  const url = $("detail-url");
  url.textContent = s.url || "";
  if (s.url) url.href = s.url;
  else url.removeAttribute("href");
  // Appliances are neither built from the checkout nor restarted from here.
  for (const b of document.querySelectorAll("button[data-action]"))
    b.disabled = s.kind !== "service";
  renderDebug(s);
  $("detail-problem").hidden = !s.problem;
  $("problem-message").textContent = s.problem ? s.problem.message : "";
  $("problem-hint").textContent = s.problem && s.problem.hint ? s.problem.hint : "";
  $("detail-autoscale").hidden = !s.autoscale;
  $("detail-autoscale").textContent = s.autoscale ? s.autoscale.text : "";
  $("detail-autoscale").classList.toggle("stuck", Boolean(s.autoscale && s.autoscale.stuck));
  $("detail-activity").textContent = s.lastUpdate
    ? `last update: ${s.lastUpdate.text}, ${s.lastUpdate.age}`
    : "";
  $("pods").tBodies[0].replaceChildren(
    ...s.pods.map((p) =>
      h(
        "tr",
        { "data-pod": p.name },
        h("td", {}, p.name),
        h("td", {}, p.phase),
        h("td", {}, p.ready ? "yes" : "no"),
        h("td", {}, p.restarts),
        h("td", {}, p.age),
      ),
    ),
  );
  $("events").tBodies[0].replaceChildren(
    ...s.events.map((e) =>
      h(
        "tr",
        { className: e.type === "Warning" ? "warning" : "" },
        h("td", {}, e.age),
        h("td", {}, e.type),
        h("td", {}, e.reason),
        h("td", {}, e.object),
        h("td", {}, e.count > 1 ? `${e.message} (×${e.count})` : e.message),
      ),
    ),
  );
}

/** The debug button's side (debug or stop) and the session: its address and launch.json entry. */
function renderDebug(s) {
  const d = s.debug;
  const button = $("debug-button");
  button.dataset.action = d && d.wanted ? "undebug" : "debug";
  button.textContent = d && d.wanted ? "Stop debugging" : "Debug";
  $("detail-debug").hidden = !d || !d.text;
  if (!d) return;
  $("debug-text").textContent = d.text;
  $("detail-debug").classList.toggle("failed", d.failed);
  $("debug-launch-box").hidden = !d.launch;
  $("debug-launch").textContent = d.launch || "";
}

function render() {
  if (!view) return;
  renderStack();
  renderServices();
  renderForwards();
  renderDetail();
}

const matches = (line, filter) => !filter || line.text.toLowerCase().includes(filter);

function logLine(line) {
  return h("div", { className: "line" }, h("span", { className: "pod" }, line.pod), " ", line.text);
}

function renderLogs() {
  const filter = $("log-filter").value.trim().toLowerCase();
  const lines = (logs.get(selected) || []).filter((l) => matches(l, filter));
  $("logs").replaceChildren(...lines.map(logLine));
  $("log-count").textContent = `${lines.length} line${lines.length === 1 ? "" : "s"}`;
  $("logs").scrollTop = $("logs").scrollHeight;
}

function addLog(line) {
  let lines = logs.get(line.service);
  if (!lines) logs.set(line.service, (lines = []));
  lines.push(line);
  if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
  if (line.service !== selected) return;
  const filter = $("log-filter").value.trim().toLowerCase();
  if (!matches(line, filter)) return;
  const box = $("logs");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.append(logLine(line));
  while (box.childElementCount > MAX_LINES) box.firstElementChild.remove();
  const n = box.childElementCount;
  $("log-count").textContent = `${n} line${n === 1 ? "" : "s"}`;
  if (atBottom) box.scrollTop = box.scrollHeight;
}

async function act(action) {
  const name = selected;
  const out = $("action-result");
  out.className = "action-result";
  const doing = {
    rebuild: "rebuilding",
    restart: "restarting",
    debug: "debugging",
    undebug: "stopping the debugger of",
  };
  out.textContent = `${doing[action]} ${name}…`;
  try {
    const res = await fetch(`/api/services/${encodeURIComponent(name)}/${action}`, {
      method: "POST",
      headers: { "X-Localkube-Token": token },
    });
    const body = await res.json();
    out.textContent = res.ok ? body.message : `${action} failed: ${body.error}`;
    out.classList.add(res.ok ? "ok" : "failed");
  } catch (err) {
    out.textContent = `${action} failed: ${err}`;
    out.classList.add("failed");
  }
}

function connect() {
  const events = new EventSource(`/events?token=${encodeURIComponent(token)}`);
  const status = $("connection");
  events.addEventListener("open", () => {
    // The server sends its kept log lines again on every (re)connection.
    logs.clear();
    renderLogs();
    status.textContent = "live";
    status.dataset.connected = "true";
  });
  events.addEventListener("error", () => {
    status.textContent = "disconnected (is npm run dev still running?)";
    status.dataset.connected = "false";
  });
  events.addEventListener("state", (e) => {
    view = JSON.parse(e.data);
    render();
  });
  events.addEventListener("log", (e) => addLog(JSON.parse(e.data)));
  // The page did not read for a while (a background tab): the server dropped log lines for it.
  events.addEventListener("skipped", (e) => {
    const n = JSON.parse(e.data).logLines;
    status.textContent = `live (${n} log line${n === 1 ? "" : "s"} skipped while this page was not reading)`;
  });
  events.addEventListener("notice", (e) => {
    const n = JSON.parse(e.data);
    if (n.service !== selected) return;
    const out = $("action-result");
    out.textContent = n.text;
    out.className = `action-result ${n.ok ? "ok" : "failed"}`;
  });
}

for (const b of document.querySelectorAll("button[data-action]"))
  b.addEventListener("click", () => void act(b.dataset.action));
$("log-filter").addEventListener("input", renderLogs);
$("debug-copy").addEventListener("click", () => {
  const text = $("debug-launch").textContent;
  navigator.clipboard.writeText(text).then(
    () => ($("debug-copy").textContent = "Copied"),
    () => ($("debug-copy").textContent = "Select and copy"),
  );
  setTimeout(() => ($("debug-copy").textContent = "Copy"), 2000);
});
window.addEventListener("hashchange", () => select(decodeURIComponent(location.hash.slice(1))));
connect();
