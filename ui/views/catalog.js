// Catalog: registered playbooks with their versions; one playbook's YAML, graph preview and a
// form that executes it with a JSON payload pre-filled from its `workload` defaults.
import { get, post } from "../lib/api.js";
import { StepGraph } from "../lib/graph.js";
import { graphOf, parseYaml } from "../lib/playbook.js";
import { clear, dateTime, h, hashWith } from "../lib/util.js";

export function catalogView(root) {
  const tbody = h("tbody", { id: "catalog" });
  const note = h("p", { class: "muted" });
  clear(
    root,
    h(
      "section",
      { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, "Catalog")),
      h(
        "table",
        { class: "list" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Playbook", "Kind", "Latest", "Versions", "Registered"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        tbody,
      ),
      note,
    ),
  );
  const ready = get("/api/catalog/list").then(({ entries }) => {
    const byPath = new Map();
    for (const e of entries) {
      const list = byPath.get(e.path) ?? [];
      list.push(e);
      byPath.set(e.path, list);
    }
    const rows = [...byPath.entries()].sort(([a], [b]) => a.localeCompare(b));
    clear(
      tbody,
      rows.map(([path, list]) => {
        list.sort((a, b) => b.version - a.version);
        const latest = list[0];
        return h(
          "tr",
          { dataset: { path } },
          h("td", {}, h("a", { href: hashWith("/catalog/view", { path }) }, path)),
          h("td", {}, latest.kind),
          h("td", {}, `v${latest.version}`),
          h(
            "td",
            {},
            list.map((e, i) => [
              i > 0 ? " " : "",
              h("a", { href: hashWith("/catalog/view", { path, version: e.version }) }, `v${e.version}`),
            ]),
          ),
          h("td", {}, dateTime(latest.created_at)),
        );
      }),
    );
    note.textContent =
      rows.length === 0
        ? "No playbooks registered yet (noetl register FILE, or POST /api/catalog/register)."
        : "";
  });
  return { ready, dispose() {} };
}

export function playbookView(root, params) {
  const path = params.get("path") ?? "";
  const version = params.get("version") ?? "";
  let graph;
  const ready = (async () => {
    const q = new URLSearchParams({ path });
    if (version) q.set("version", version);
    const [entry, { entries }] = await Promise.all([
      get(`/api/catalog/resource?${q}`),
      get(`/api/catalog/list?${new URLSearchParams({ path })}`),
    ]);
    let doc;
    let parseError = "";
    try {
      doc = await parseYaml(entry.content);
    } catch (e) {
      parseError = e.message;
    }
    const workload = doc && typeof doc.workload === "object" && doc.workload !== null ? doc.workload : {};
    const payload = h(
      "textarea",
      { id: "payload", name: "payload", rows: 8, spellcheck: "false", "aria-describedby": "payload-help" },
      JSON.stringify(workload, null, 2),
    );
    const message = h("p", { id: "run-message", class: "error", role: "alert" });
    const runButton = h("button", { type: "submit", id: "run" }, "Execute");
    const form = h(
      "form",
      {
        id: "execute-form",
        onsubmit: async (ev) => {
          ev.preventDefault();
          message.textContent = "";
          let body;
          try {
            body = payload.value.trim() ? JSON.parse(payload.value) : {};
          } catch (e) {
            message.textContent = `The payload is not valid JSON: ${e.message}`;
            return;
          }
          if (typeof body !== "object" || body === null || Array.isArray(body)) {
            message.textContent = "The payload must be a JSON object.";
            return;
          }
          runButton.disabled = true;
          try {
            const r = await post("/api/execute", { path: entry.path, version: entry.version, payload: body });
            location.hash = `#/executions/${r.execution_id}`;
          } catch (e) {
            message.textContent = e.message;
            runButton.disabled = false;
          }
        },
      },
      h("label", { for: "payload" }, "Payload (JSON, merged over the workload)"),
      payload,
      h(
        "p",
        { id: "payload-help", class: "muted small" },
        "Pre-filled with the playbook's workload defaults.",
      ),
      message,
      runButton,
    );
    const graphBox = h("div", { class: "graph small-graph", role: "img", "aria-label": `Steps of ${path}` });
    const versions = entries.sort((a, b) => b.version - a.version);
    clear(
      root,
      h(
        "section",
        { class: "card" },
        h(
          "div",
          { class: "card-head" },
          h("h2", {}, entry.path, " ", h("span", { class: "muted" }, `v${entry.version}`)),
          h(
            "nav",
            { class: "versions", "aria-label": "versions" },
            "Versions: ",
            versions.map((e) => [
              " ",
              e.version === entry.version
                ? h("strong", { "aria-current": "page" }, `v${e.version}`)
                : h("a", { href: hashWith("/catalog/view", { path, version: e.version }) }, `v${e.version}`),
            ]),
            " · ",
            h("a", { href: hashWith("/", { path }) }, "executions"),
          ),
        ),
        h("p", { class: "muted" }, `${entry.kind} registered ${dateTime(entry.created_at)}`),
      ),
      h(
        "div",
        { class: "two-col" },
        h(
          "section",
          { class: "card", "aria-labelledby": "run-title" },
          h("h3", { id: "run-title" }, "Execute"),
          form,
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "steps-title" },
          h("h3", { id: "steps-title" }, "Steps"),
          parseError ? h("p", { class: "error" }, `YAML: ${parseError}`) : graphBox,
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "src-title" },
        h("h3", { id: "src-title" }, "Source"),
        h("pre", { class: "yaml", id: "yaml-source", tabindex: "0" }, entry.content),
      ),
    );
    if (doc && !parseError) {
      try {
        graph = new StepGraph(graphBox, graphOf(doc), () => {});
      } catch (e) {
        clear(graphBox, h("p", { class: "error" }, e.message));
      }
    }
  })();
  return {
    ready,
    dispose() {
      graph?.destroy();
    },
  };
}
