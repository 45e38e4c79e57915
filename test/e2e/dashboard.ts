/**
 * The dashboard of `npm run dev` in a real headless Chromium (Debian's `chromium`, driven through
 * playwright-core): what a developer sees and clicks. Each check is a function the dev loop's e2e
 * test calls against its running session.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { BrowserContext, Page } from "playwright-core";
import * as h from "./harness";

export const CHROMIUM = process.env.LOCALKUBE_E2E_CHROMIUM ?? "/usr/bin/chromium";
/** No sandbox (root in CI), nothing fetched from outside, no first-run UI. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Installs Debian's Chromium when it is missing (the e2e machines reach Debian's mirrors; a browser
 * is never downloaded through npm). Quick when it is there.
 */
export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  const apt = (args: string[]) =>
    spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  const install = ["install", "-y", "--no-install-recommends", "chromium", "fonts-liberation"];
  if (!apt(install) && !(apt(["update"]) && apt(install)))
    throw new Error(`${CHROMIUM} is missing and \`apt-get install chromium\` failed`);
}

export interface Dashboard {
  readonly url: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** The browser's fresh --user-data-dir. */
  readonly profile: string;
}

/** Opens the dashboard in a fresh browser profile and waits until its event stream is live. */
export async function openDashboard(url: string): Promise<Dashboard> {
  ensureChromium();
  const { chromium } = await import("playwright-core");
  const profile = fs.mkdtempSync(path.join(h.ARTIFACTS, "chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const d = { url, context, page: context.pages()[0] ?? (await context.newPage()), profile };
  try {
    await d.page.goto(url);
    await d.page.locator('#connection[data-connected="true"]').waitFor({ timeout: 30_000 });
  } catch (err) {
    await closeDashboard(d); // no browser left behind when the page cannot be opened
    throw err;
  }
  return d;
}

export async function closeDashboard(d: Dashboard | undefined): Promise<void> {
  if (!d) return;
  await d.context.close();
  fs.rmSync(d.profile, { recursive: true, force: true, maxRetries: 5 });
}

const row = (d: Dashboard, service: string) => d.page.locator(`tr[data-service="${service}"]`);

/** The badge of a service's row once it says `state`; fails after `timeoutMs` with what it says. */
export async function waitForState(
  d: Dashboard,
  service: string,
  state: string,
  timeoutMs: number,
): Promise<void> {
  const badge = row(d, service).locator(".badge");
  try {
    await row(d, service).locator(`.badge[data-state="${state}"]`).waitFor({ timeout: timeoutMs });
  } catch {
    const now = (await badge.count()) > 0 ? await badge.textContent() : "no such row";
    throw new Error(
      `${service} is not ${state} on the dashboard within ${timeoutMs / 1000} s: ${now}`,
    );
  }
}

/**
 * Every service listed ready under its group (appliances first), each link pointing at its
 * ingress URL and answering through it (curl with the Host header, as a browser resolves
 * `*.localhost`). Returns group → services as the page shows them.
 */
export async function servicesReadyWithLinks(
  d: Dashboard,
  services: readonly string[],
  timeoutMs: number,
): Promise<{ groups: string[][]; links: Record<string, string> }> {
  for (const s of services) await waitForState(d, s, "ready", timeoutMs);
  const groups = await d.page.$$eval("#services tbody tr", (trs) => {
    const out: string[][] = [];
    for (const tr of trs) {
      if (tr.classList.contains("group")) out.push([tr.textContent ?? ""]);
      else out[out.length - 1].push(tr.getAttribute("data-service") ?? "");
    }
    return out;
  });
  const links: Record<string, string> = {};
  for (const s of services) {
    const link = row(d, s).locator("a");
    if ((await link.count()) === 0) continue;
    const href = (await link.getAttribute("href"))!;
    links[s] = href;
    const url = new URL(href);
    const r = await h.httpGet(url.hostname, url.pathname);
    if (r.status !== 200)
      throw new Error(`${href} (the dashboard's link of ${s}) answered ${r.status}`);
  }
  return { groups, links };
}

/**
 * The stack panel once the last converge is shown as succeeded and the cluster's version is known:
 * each field's text as the page shows it.
 */
export async function stackPanel(
  d: Dashboard,
  timeoutMs: number,
): Promise<
  Record<"cluster" | "kubernetes" | "registry" | "ingress" | "namespace" | "lastConverge", string>
> {
  await d.page.locator("#stack-converge.ok").waitFor({ timeout: timeoutMs });
  await d.page.locator("#stack-version", { hasText: /^v\d/ }).waitFor({ timeout: timeoutMs });
  const text = async (id: string) => ((await d.page.locator(`#${id}`).textContent()) ?? "").trim();
  return {
    cluster: await text("stack-cluster"),
    kubernetes: await text("stack-version"),
    registry: await text("stack-registry"),
    ingress: await text("stack-ingress"),
    namespace: await text("stack-namespace"),
    lastConverge: await text("stack-converge"),
  };
}

/**
 * The forwards panel once every forward it lists is ready (or `timeoutMs` passed): address,
 * target and state of each row, as the page shows them.
 */
export async function forwardsShown(d: Dashboard, timeoutMs: number): Promise<string[][]> {
  const rows = () =>
    d.page.$$eval("#forwards tbody tr", (trs) =>
      trs.map((tr) => [
        tr.getAttribute("data-forward") ?? "",
        tr.children[1]?.textContent ?? "",
        tr.getAttribute("data-state") ?? "",
      ]),
    );
  return h.eventually(
    rows,
    (r) => r.length > 0 && r.every((f) => f[2] === "ready"),
    timeoutMs,
    250,
  );
}

/** Opens a service's detail (a click on its row). */
export async function select(d: Dashboard, service: string): Promise<void> {
  await row(d, service).locator("button.link").click();
  await d.page.locator(`#detail[data-service="${service}"]`).waitFor({ timeout: 10_000 });
}

/** A service turns to "problem" with its message on the row and in its detail; returns the message. */
export async function problemShown(
  d: Dashboard,
  service: string,
  message: RegExp,
  timeoutMs: number,
): Promise<string> {
  await waitForState(d, service, "problem", timeoutMs);
  await select(d, service);
  const text = d.page.locator("#problem-message");
  const end = Date.now() + 30_000;
  for (;;) {
    const now = (await text.textContent()) ?? "";
    if (message.test(now)) return now;
    if (Date.now() > end)
      throw new Error(`${service}'s problem on the dashboard does not match ${message}: ${now}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The logs panel of a service shows `line` (streamed live); the filter hides the lines without its
 * text and brings them back when cleared. Returns the pod that printed the line.
 */
export async function logLineShown(
  d: Dashboard,
  service: string,
  line: string,
  timeoutMs: number,
): Promise<void> {
  await select(d, service);
  const lines = d.page.locator("#logs .line");
  await lines.filter({ hasText: line }).first().waitFor({ timeout: timeoutMs });
  const filter = d.page.locator("#log-filter");
  await filter.fill(line);
  const shown = await lines.allTextContents();
  if (shown.length === 0 || !shown.every((l) => l.includes(line)))
    throw new Error(`the filter ${JSON.stringify(line)} left ${JSON.stringify(shown)}`);
  await filter.fill("no line has this text 7f3a");
  if ((await lines.count()) !== 0) throw new Error("the filter kept lines without its text");
  await filter.fill("");
  await lines.filter({ hasText: line }).first().waitFor({ timeout: 5_000 });
}

/**
 * The rebuild button of a service: the page says so at once, and the service runs new pods
 * (`podUids` changes completely) that become ready on the page. Returns the new pods' UIDs.
 */
export async function rebuildRolls(
  d: Dashboard,
  service: string,
  podUids: () => Promise<string[]>,
  timeoutMs: number,
): Promise<string[]> {
  const before = await podUids();
  await select(d, service);
  await d.page.locator('button[data-action="rebuild"]').click();
  await d.page
    .locator("#action-result", { hasText: `rebuilding ${service}` })
    .waitFor({ timeout: 10_000 });
  const after = await h.eventually(
    podUids,
    (uids) => uids.length > 0 && uids.every((u) => !before.includes(u)),
    timeoutMs,
    1000,
  );
  if (!after.every((u) => !before.includes(u)))
    throw new Error(`${service}'s pods did not roll: ${before} → ${after}`);
  await d.page
    .locator("#action-result", { hasText: `${service} rebuilt and redeployed` })
    .waitFor({ timeout: timeoutMs });
  await waitForState(d, service, "ready", timeoutMs);
  return after;
}

/** A PNG of the page as it is, under the suite's artifacts; returns its path. */
export async function screenshot(d: Dashboard, name: string): Promise<string> {
  const file = path.join(h.ARTIFACTS, `${name}.png`);
  await d.page.screenshot({ path: file, fullPage: true });
  return file;
}
