// Executions list: status, playbook, start, duration; filters in the URL; auto-refresh.
import { get } from "../lib/api.js";
import { badge, clear, dateTime, duration, h, hashWith } from "../lib/util.js";

const STATUSES = ["", "running", "completed", "failed", "cancelled"];
const REFRESH_MS = 3000;

export function executionsView(root, params) {
  const status = params.get("status") ?? "";
  const path = params.get("path") ?? "";
  const limit = params.get("limit") ?? "50";
  let auto = (params.get("auto") ?? "1") === "1";
  let timer;
  let disposed = false;

  const go = (patch) => {
    location.hash = hashWith("/", {
      status,
      path,
      limit: limit === "50" ? "" : limit,
      auto: auto ? "" : "0",
      ...patch,
    });
  };
  const statusSelect = h(
    "select",
    { id: "f-status", name: "status", onchange: () => go({ status: statusSelect.value }) },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s || "any")),
  );
  const pathInput = h("input", {
    id: "f-path",
    name: "path",
    type: "search",
    value: path,
    placeholder: "exact playbook path",
    list: "known-paths",
  });
  const limitSelect = h(
    "select",
    { id: "f-limit", onchange: () => go({ limit: limitSelect.value === "50" ? "" : limitSelect.value }) },
    ["50", "100", "500"].map((n) => h("option", { value: n, selected: n === limit }, n)),
  );
  const autoBox = h("input", {
    id: "f-auto",
    type: "checkbox",
    checked: auto,
    onchange: () => {
      auto = autoBox.checked;
      schedule();
    },
  });
  const paths = h("datalist", { id: "known-paths" });
  const tbody = h("tbody", { id: "executions" });
  const note = h("p", { class: "muted", "aria-live": "polite" });
  const updated = h("span", { class: "muted", id: "updated" });

  clear(
    root,
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "card-head" },
        h("h2", {}, "Executions"),
        h(
          "form",
          {
            class: "filters",
            role: "search",
            onsubmit: (ev) => {
              ev.preventDefault();
              go({ path: pathInput.value.trim() });
            },
          },
          h("label", {}, "Status ", statusSelect),
          h("label", {}, "Playbook ", pathInput, paths),
          h("button", { type: "submit" }, "Filter"),
          h("label", {}, "Show ", limitSelect),
          h("label", {}, autoBox, " auto-refresh"),
          updated,
        ),
      ),
      h(
        "table",
        { class: "list" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Execution", "Playbook", "Version", "Status", "Started", "Duration"].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        tbody,
      ),
      note,
    ),
  );

  async function load() {
    const q = new URLSearchParams({ limit });
    if (status) q.set("status", status);
    if (path) q.set("path", path);
    const { executions } = await get(`/api/executions?${q}`);
    if (disposed) return;
    const now = Date.now();
    clear(
      tbody,
      executions.map((e) =>
        h(
          "tr",
          { dataset: { id: e.execution_id, status: e.status } },
          h(
            "td",
            {},
            h("a", { href: `#/executions/${e.execution_id}` }, e.execution_id),
            e.parent_execution_id
              ? h(
                  "div",
                  { class: "muted small" },
                  "child of ",
                  h("a", { href: `#/executions/${e.parent_execution_id}` }, e.parent_execution_id),
                )
              : null,
          ),
          h("td", {}, h("a", { href: hashWith("/", { path: e.path }), title: "only this playbook" }, e.path)),
          h(
            "td",
            {},
            e.catalog_version !== undefined
              ? h(
                  "a",
                  { href: hashWith("/catalog/view", { path: e.path, version: e.catalog_version }) },
                  `v${e.catalog_version}`,
                )
              : "",
          ),
          h("td", {}, badge(e.status)),
          h("td", {}, dateTime(e.started_at)),
          h("td", { class: "num" }, duration((e.ended_at ?? now) - e.started_at)),
        ),
      ),
    );
    const known = [...new Set(executions.map((e) => e.path))].sort();
    clear(
      paths,
      known.map((p) => h("option", { value: p })),
    );
    note.textContent =
      executions.length === 0
        ? status || path
          ? "No executions match these filters."
          : "No executions yet. Start one from the catalog."
        : "";
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  function schedule() {
    clearTimeout(timer);
    if (auto && !disposed)
      timer = setTimeout(() => {
        load()
          .catch(() => {})
          .finally(schedule);
      }, REFRESH_MS);
  }

  const ready = load().then(schedule);
  return {
    ready,
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
