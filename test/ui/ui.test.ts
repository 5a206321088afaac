/**
 * The web UI in a real browser (Debian's chromium driven by playwright-core) against the server
 * run in-process (memory store, in-process bus, a worker that talks HTTP), as test/api does.
 * Skipped when /usr/bin/chromium is absent.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import {
  type AppConfig,
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log("# SKIP chromium not installed");

const repo = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = join(repo, "test-artifacts");
const docsShot = join(repo, "docs", "ui.png");

/** A parallel loop (6 items, 2 in flight), an inclusive fan-out whose `flaky` branch throws
 * (handled by `recover`), an untaken branch (`never`, skipped) and a join. */
const DEMO = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ui_demo, path: ui/demo }
workload: { items: [1, 2, 3, 4, 5, 6], delay: 120 }
workflow:
  - step: start
    next:
      spec: { mode: inclusive }
      arcs:
        - { step: fan }
        - { step: flaky }
        - { step: never, when: "{{ false }}" }
  - step: fan
    loop: { in: "{{ workload.items }}", iterator: n, spec: { mode: parallel, max_in_flight: 2 } }
    tool:
      kind: javascript
      input: { n: "{{ n }}", delay: "{{ workload.delay }}" }
      code: "await new Promise((r) => setTimeout(r, delay)); return { n, sq: n * n }"
    next: { arcs: [{ step: summary }] }
  - step: flaky
    tool: { kind: javascript, code: "throw new Error('upstream said no')" }
    next:
      arcs:
        - { step: summary, when: "{{ event.name == 'call.done' }}" }
        - { step: recover, when: "{{ event.name == 'call.error' }}" }
  - step: recover
    tool: { kind: javascript, input: { msg: "{{ error.message }}" }, code: "return { recovered: msg }" }
  - step: never
    tool: { kind: noop }
    next: { arcs: [{ step: summary }] }
  - step: summary
    input: { total: "{{ fan.stats.total }}", squares: "{{ fan.results | sum(attribute='sq') }}" }
    tool: { kind: javascript, code: "return { total, squares }" }
`;

const SLOW = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ui_slow, path: ui/slow }
workflow:
  - step: a
    tool: { kind: javascript, code: "return 1" }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: javascript, code: "await new Promise((r) => setTimeout(r, 20000)); return 2" }
    next: { arcs: [{ step: c }] }
  - step: c
    tool: { kind: javascript, code: "return 3" }
`;

const LEAK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ui_leak, path: ui/leak }
keychain: [{ name: svc, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.svc.token }}" }, code: "return { echoed: t }" }
`;

interface Stack {
  server: RunningServer;
  worker: RunningWorker;
  http: HttpClient;
}

async function stack(config: AppConfig): Promise<Stack> {
  const bus = new LocalBus();
  const server = await startServer({ config, store: new MemoryStore(), bus, port: 0 });
  const worker = await startRemoteWorker({ config, bus, serverUrl: server.url, concurrency: 4 });
  const http = new HttpClient({
    baseUrl: server.url,
    ...(config.apiToken ? { token: config.apiToken } : {}),
  });
  return { server, worker, http };
}

async function execute(http: HttpClient, path: string, payload: object = {}): Promise<string> {
  const r = await http.post<{ execution_id: string }>("/api/execute", { path, payload });
  return r.execution_id;
}

/** Step name → {state, progress, background colour} read from the cytoscape instance. */
type NodeView = { state: string; progress: string; color: string };
async function nodes(page: Page): Promise<Record<string, NodeView>> {
  return page.evaluate(() => {
    type Node = { id(): string; data(k: string): string; style(k: string): string };
    const cy = (globalThis as unknown as { __cy: { nodes(): Node[] } }).__cy;
    const out: Record<string, { state: string; progress: string; color: string }> = {};
    for (const n of cy.nodes())
      out[n.id()] = {
        state: n.data("state"),
        progress: n.data("progress"),
        color: n.style("background-color"),
      };
    return out;
  });
}

async function waitForStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.locator(`#exec-status[data-status="${status}"]`).waitFor({ timeout });
}

/**
 * Waits until the graph shows `value` as `key` (`progress`, `state`) of `step`'s node: the status
 * badge may come from the execution detail before the events have filled the graph, and the
 * graph is drawn on the next animation frame after the events are folded.
 */
async function waitForNode(
  page: Page,
  step: string,
  key: "progress" | "state",
  value: string,
): Promise<void> {
  await page.waitForFunction(
    ([id, k, want]) => {
      const cy = (globalThis as unknown as { __cy?: { $id(id: string): { data(k: string): string } } }).__cy;
      return cy?.$id(id).data(k) === want;
    },
    [step, key, value] as const,
  );
}

/** Clicks a step's node on the graph canvas (a real mouse click at its rendered position). */
async function clickNode(page: Page, step: string): Promise<void> {
  await page.locator("#graph").scrollIntoViewIfNeeded();
  const pos = await page.evaluate((id) => {
    type Cy = { getElementById(id: string): { renderedPosition(): { x: number; y: number } } };
    const cy = (globalThis as unknown as { __cy: Cy }).__cy;
    return cy.getElementById(id).renderedPosition();
  }, step);
  const box = await page.locator("#graph").boundingBox();
  assert.ok(box, "graph container is visible");
  await page.mouse.click(box.x + pos.x, box.y + pos.y);
}

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255})`;
};
const COLORS = {
  done: rgb("#1f8a4c"),
  failed: rgb("#c0392b"),
  skipped: rgb("#f7f8fb"),
  running: rgb("#2d6cdf"),
  cancelled: rgb("#8a6d1f"),
};

describe("web UI", { skip: haveChromium ? false : "chromium not installed" }, () => {
  const home = mkdtempSync(join(tmpdir(), "noetl-ui-"));
  let browser: Browser;
  let s: Stack;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    s = await stack(readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "ui-test-key" }));
    await s.http.post("/api/catalog/register", { content: DEMO });
    await s.http.post("/api/catalog/register", { content: SLOW });
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
  });

  after(async () => {
    await browser?.close();
    await s?.worker.stop(false);
    await s?.server.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("colours the graph live, shows loop progress and the failed step's error", async () => {
    const id = await execute(s.http, "ui/demo");
    await page.goto(`${s.server.url}/#/executions/${id}`);
    await page.locator("#graph canvas").first().waitFor();
    await waitForStatus(page, "completed");
    // Every event arrived over the stream: the fold agrees with the server's projection.
    await page.locator('#conn-mode:text-is("ended")').waitFor();
    await waitForNode(page, "summary", "state", "done");
    const view = await nodes(page);
    assert.deepEqual(Object.fromEntries(Object.entries(view).map(([k, v]) => [k, v.state])), {
      start: "done",
      fan: "done",
      flaky: "failed",
      recover: "done",
      never: "skipped",
      summary: "done",
    });
    assert.equal(view.fan?.color, COLORS.done);
    assert.equal(view.flaky?.color, COLORS.failed);
    assert.equal(view.never?.color, COLORS.skipped);
    assert.equal(view.fan?.progress, "6/6");
    assert.equal((await page.locator('#steps tr[data-step="fan"] .progress').textContent())?.trim(), "6/6");

    await clickNode(page, "flaky");
    await page.locator("#step-name", { hasText: "flaky" }).waitFor();
    const panel = page.locator("#step-detail");
    assert.match((await panel.locator(".error-message").first().textContent()) ?? "", /upstream said no/);
    assert.match((await panel.locator(".attempts").textContent()) ?? "", /flaky_task/);

    await clickNode(page, "fan");
    await page.locator("#step-name", { hasText: "fan" }).waitFor();
    assert.match((await page.locator("#loop-progress").textContent()) ?? "", /^6\/6/);
    assert.equal(await panel.locator(".commands tbody tr").count(), 6);

    await page.locator("#result pre").waitFor();
    assert.deepEqual(JSON.parse((await page.locator("#result pre").textContent()) ?? ""), {
      total: 6,
      squares: 91,
    });

    // Timeline filter: only the failed call.
    await page.locator("#tl-type").selectOption("call.error");
    await page.locator('#tl-count:text-matches("^1 of")').waitFor();
    await page.locator("#timeline .vrow").first().click();
    assert.match((await page.locator("#event-detail").textContent()) ?? "", /upstream said no/);
    await page.locator("#tl-type").selectOption("");

    await clickNode(page, "flaky");
    await page.locator("#step-name", { hasText: "flaky" }).waitFor();
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, "ui-execution.png");
    await page.screenshot({ path: shot, fullPage: true });
    // The docs screenshot is written once (or with NOETL_UPDATE_SCREENSHOTS=1), not on every run.
    if (!existsSync(docsShot) || process.env.NOETL_UPDATE_SCREENSHOTS === "1") copyFileSync(shot, docsShot);
  });

  it("re-runs an execution with its workload", async () => {
    const id = await execute(s.http, "ui/demo", { items: [1, 2], delay: 1 });
    await page.goto(`${s.server.url}/#/executions/${id}`);
    await waitForStatus(page, "completed");
    await page.locator("#rerun:enabled").click();
    await page.waitForURL((u) => /#\/executions\/\d+$/.test(u.hash) && !u.hash.endsWith(id));
    await waitForStatus(page, "completed");
    const again = /#\/executions\/(\d+)/.exec(new URL(page.url()).hash)?.[1] ?? "";
    const init = await s.http.get<{ events: Array<{ payload: { workload: unknown } }> }>(
      `/api/executions/${again}/events?types=playbook.initialized`,
    );
    assert.deepEqual(init.events[0]?.payload.workload, { items: [1, 2], delay: 1 });
    await waitForNode(page, "fan", "progress", "2/2");
    assert.equal((await nodes(page)).fan?.progress, "2/2");
  });

  it("cancels a slow execution", async () => {
    const id = await execute(s.http, "ui/slow");
    await page.goto(`${s.server.url}/#/executions/${id}`);
    await page.waitForFunction(() => {
      type Cy = { getElementById(id: string): { data(k: string): string } };
      return (globalThis as unknown as { __cy?: Cy }).__cy?.getElementById("b").data("state") === "running";
    });
    page.once("dialog", (d) => void d.accept());
    await page.locator("#cancel").click();
    await waitForStatus(page, "cancelled");
    const view = await nodes(page);
    assert.equal(view.a?.state, "done");
    assert.equal(view.b?.state, "cancelled");
    assert.equal(view.b?.color, COLORS.cancelled);
    assert.equal(view.c?.state, "pending");
    const status = await s.http.get<{ status: string }>(`/api/executions/${id}/status`);
    assert.equal(status.status, "cancelled");
    assert.ok(await page.locator("#cancel").isDisabled());
  });

  it("lists executions with filters", async () => {
    await page.goto(`${s.server.url}/#/`);
    await page.locator("#executions tr").first().waitFor();
    assert.ok((await page.locator("#executions tr").count()) >= 4);
    await page.locator("#f-status").selectOption("cancelled");
    await page.waitForFunction(() => {
      type Doc = { querySelectorAll(s: string): ArrayLike<{ dataset: Record<string, string> }> };
      const rows = (globalThis as unknown as { document: Doc }).document.querySelectorAll("#executions tr");
      return rows.length === 1 && rows[0]?.dataset.status === "cancelled";
    });
    assert.match((await page.locator("#executions").textContent()) ?? "", /ui\/slow/);
  });

  it("catalog: versions, YAML source, execute with the workload defaults", async () => {
    await page.goto(`${s.server.url}/#/catalog`);
    await page.locator('#catalog tr[data-path="ui/demo"] a').first().click();
    await page.locator("#yaml-source").waitFor();
    assert.match((await page.locator("#yaml-source").textContent()) ?? "", /max_in_flight: 2/);
    const payload = JSON.parse(await page.locator("#payload").inputValue());
    assert.deepEqual(payload, { items: [1, 2, 3, 4, 5, 6], delay: 120 });
    await page.locator("#payload").fill("{not json");
    await page.locator("#run").click();
    await page.locator("#run-message", { hasText: "not valid JSON" }).waitFor();
    await page.locator("#payload").fill(JSON.stringify({ items: [7], delay: 1 }));
    await page.locator("#run").click();
    await page.waitForURL((u) => u.hash.startsWith("#/executions/"));
    await waitForStatus(page, "completed");
    await waitForNode(page, "fan", "progress", "1/1");
    assert.equal((await nodes(page)).fan?.progress, "1/1");
  });

  it("stays fast with 10,000 events (the timeline is virtualised)", async () => {
    await page.goto(`${s.server.url}/#/`);
    const big = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ui_big, path: ui/big }
workflow:
  - step: many
    loop: { in: "{{ range(5100) | list }}", iterator: i, spec: { mode: parallel, max_in_flight: 100 } }
    tool: { kind: noop }
`;
    await s.http.post("/api/catalog/register", { content: big });
    const id = await execute(s.http, "ui/big");
    await s.http.get(`/api/executions/${id}/wait?timeout_ms=60000`, { timeoutMs: 65_000 });
    const total = (await s.http.get<{ last_seq: number }>(`/api/executions/${id}`)).last_seq;
    assert.ok(total >= 10_000, `expected a long log, got ${total} events`);
    const started = Date.now();
    await page.goto(`${s.server.url}/#/executions/${id}`);
    await waitForStatus(page, "completed", 30_000);
    await page.locator(`#tl-count:text-is("${total} events")`).waitFor({ timeout: 30_000 });
    const elapsed = Date.now() - started;
    console.log(`${total} events loaded and rendered in ${elapsed} ms`);
    const rows = await page.locator("#timeline .vrow").count();
    assert.ok(rows > 0 && rows < 80, `${rows} timeline rows in the DOM`);
    assert.equal((await nodes(page)).many?.progress, "5100/5100");
  });

  it("raised no page errors", () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe("web UI behind an API token", { skip: haveChromium ? false : "chromium not installed" }, () => {
  const home = mkdtempSync(join(tmpdir(), "noetl-ui-token-"));
  const token = "ui-test-token-8d1f0c";
  const secret = "s3cr3t-ui-value-42";
  let browser: Browser;
  let s: Stack;

  before(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    s = await stack(
      readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "ui-test-key", apiToken: token }),
    );
    await s.http.post("/api/credentials", { name: "svc", type: "generic", data: { token: secret } });
    await s.http.post("/api/catalog/register", { content: LEAK });
  });

  after(async () => {
    await browser?.close();
    await s?.worker.stop(false);
    await s?.server.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("asks for the token, then follows the execution by polling; never shows a secret", async () => {
    const id = await execute(s.http, "ui/leak");
    const page = await browser.newPage();
    await page.goto(`${s.server.url}/#/executions/${id}`);
    await page.locator("#token-dialog[open]").waitFor();
    await page.locator("#token-input").fill(token);
    await page.locator('#token-form button[value="save"]').click();
    await waitForStatus(page, "completed");
    await page.locator('#conn-mode:text-is("ended")').waitFor();
    await waitForNode(page, "a", "state", "done");
    await clickNode(page, "a");
    await page.locator("#step-name", { hasText: "a" }).waitFor();
    const text = (await page.locator("body").textContent()) + (await page.content());
    assert.ok(!text.includes(secret), "a credential value is on the page");
    assert.ok(!text.includes(token), "the API token is on the page");
    assert.match((await page.locator("#token-button").textContent()) ?? "", /set/);
    await page.close();
  });
});
