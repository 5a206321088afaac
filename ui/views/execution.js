// One execution: the playbook graph coloured live by step state, the selected step's details,
// the result, the events timeline; cancel and re-run.
//
// Live updates come from the SSE stream. EventSource cannot send an Authorization header, so when
// an API token is in use the view pages through /events with the header instead (every second).
import { get, getToken, post } from "../lib/api.js";
import { STATE_COLORS, StepGraph } from "../lib/graph.js";
import { EVENT_TYPES, ExecutionModel, STEP_STATES } from "../lib/model.js";
import { graphOf, parseYaml } from "../lib/playbook.js";
import { Timeline } from "../lib/timeline.js";
import { badge, clear, clock, dateTime, duration, h, hashWith, isResultRef, jsonBlock } from "../lib/util.js";

const POLL_MS = 1000;
/** Rows of loop iterations / runs listed in the step panel. */
const MAX_COMMAND_ROWS = 200;

export function executionView(root, id, params) {
  const model = new ExecutionModel();
  const stepOf = (e) => e.step ?? model.commands.get(e.payload?.command_id)?.step;
  const timeline = new Timeline({ model, stepOf });
  let graph;
  let graphInfo = { nodes: [], edges: [] };
  let detail;
  let source;
  let pollTimer;
  let tick;
  let childTimer;
  let disposed = false;
  let scheduled = false;
  let applied = 0;
  let selected = params.get("step") ?? "";
  let selectedCommand = "";
  let renderedRev = "";
  const stepRows = new Map();

  // ---- skeleton ---------------------------------------------------------------------------------
  const statusBox = h("span", { id: "exec-status", "data-status": "running" });
  const elapsed = h("span", { id: "exec-duration" });
  const conn = h("span", { id: "conn-mode", class: "muted" });
  const eventsCount = h("span", { id: "exec-events" });
  const cancelButton = h(
    "button",
    { id: "cancel", class: "danger", type: "button", onclick: cancel },
    "Cancel",
  );
  const rerunButton = h("button", { id: "rerun", type: "button", onclick: rerun }, "Re-run");
  const actionMessage = h("p", { id: "action-message", class: "error", role: "alert" });
  const playbookLink = h("span", { id: "exec-playbook" });
  const startedAt = h("span", {});
  const parentLink = h("span", {});
  const graphBox = h("div", {
    id: "graph",
    class: "graph",
    role: "img",
    "aria-label": "Playbook graph; the step table below lists the same steps",
  });
  const graphNote = h("p", { class: "muted small", id: "graph-note" });
  const stepTable = h("tbody", { id: "steps" });
  const stepPanel = h("div", { id: "step-detail", "aria-live": "polite" });
  const resultBox = h("div", { id: "result" });
  const children = h("section", { class: "card", hidden: true, id: "children" });

  const legend = h(
    "ul",
    { class: "legend", "aria-label": "step states" },
    STEP_STATES.map((s) =>
      h(
        "li",
        {},
        h("span", {
          class: `swatch st-${s}`,
          style: `background:${STATE_COLORS[s].bg};border-color:${STATE_COLORS[s].border}`,
        }),
        s,
      ),
    ),
  );

  clear(
    root,
    h(
      "section",
      { class: "card exec-head" },
      h(
        "div",
        { class: "card-head" },
        h("h2", {}, "Execution ", h("span", { class: "mono" }, id), " ", statusBox),
        h("div", { class: "actions" }, cancelButton, rerunButton),
      ),
      h(
        "dl",
        { class: "facts" },
        h("div", {}, h("dt", {}, "Playbook"), h("dd", {}, playbookLink)),
        h("div", {}, h("dt", {}, "Started"), h("dd", {}, startedAt)),
        h("div", {}, h("dt", {}, "Duration"), h("dd", {}, elapsed)),
        h("div", {}, h("dt", {}, "Events"), h("dd", {}, eventsCount)),
        h("div", {}, h("dt", {}, "Updates"), h("dd", {}, conn)),
        parentLink,
      ),
      actionMessage,
    ),
    h(
      "div",
      { class: "exec-grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "graph-title" },
        h(
          "div",
          { class: "card-head" },
          h("h3", { id: "graph-title" }, "Steps"),
          legend,
          h("button", { type: "button", class: "secondary", onclick: () => graph?.fit() }, "Fit"),
        ),
        graphBox,
        graphNote,
        h(
          "table",
          { class: "list steps-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Step", "State", "Progress", "Runs", "Duration"].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          stepTable,
        ),
      ),
      h(
        "section",
        { class: "card step-card", "aria-labelledby": "step-title" },
        h("h3", { id: "step-title" }, "Step details"),
        stepPanel,
      ),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "result-title" },
      h("h3", { id: "result-title" }, "Result"),
      resultBox,
    ),
    children,
    timeline.el,
  );
  clear(stepPanel, h("p", { class: "muted" }, "Select a step in the graph or the table."));

  // ---- actions ----------------------------------------------------------------------------------
  async function cancel() {
    if (!confirm(`Cancel execution ${id}?`)) return;
    cancelButton.disabled = true;
    actionMessage.textContent = "";
    try {
      await post(`/api/executions/${id}/cancel`, { reason: "cancelled from the web UI" });
      model.cancelRequested = true;
    } catch (e) {
      actionMessage.textContent = `Cancel failed: ${e.message}`;
    }
    schedule();
  }

  async function rerun() {
    actionMessage.textContent = "";
    rerunButton.disabled = true;
    try {
      const r = await post("/api/execute", {
        path: model.path ?? detail.path,
        ...((model.version ?? detail.catalog_version) !== undefined
          ? { version: model.version ?? detail.catalog_version }
          : {}),
        payload: model.workload ?? {},
      });
      location.hash = `#/executions/${r.execution_id}`;
    } catch (e) {
      actionMessage.textContent = `Re-run failed: ${e.message}`;
      rerunButton.disabled = false;
    }
  }

  function selectStep(name) {
    selected = name;
    selectedCommand = "";
    renderedRev = "";
    graph?.select(name);
    const hash = hashWith(`/executions/${id}`, { step: name });
    if (location.hash !== hash) history.replaceState(null, "", hash);
    renderStep();
    for (const [n, row] of stepRows) row.tr.classList.toggle("selected", n === name);
  }

  // ---- rendering --------------------------------------------------------------------------------
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      if (!disposed) render();
    });
  }

  function render() {
    const status = model.events.length > 0 ? model.status : (detail?.status ?? "running");
    if (statusBox.dataset.status !== status || statusBox.childElementCount === 0) {
      statusBox.dataset.status = status;
      clear(statusBox, badge(status));
    }
    const started = model.startedAt ?? detail?.started_at;
    const ended = model.endedAt ?? detail?.ended_at;
    elapsed.textContent = started ? duration((ended ?? Date.now()) - started) : "";
    startedAt.textContent = dateTime(started);
    eventsCount.textContent = String(model.events.length);
    cancelButton.disabled = status !== "running" || model.cancelRequested;
    cancelButton.textContent = model.cancelRequested && status === "running" ? "Cancelling…" : "Cancel";
    rerunButton.disabled = !(model.path ?? detail?.path) || model.workload === undefined;
    if (model.terminal && tick) {
      clearInterval(tick);
      tick = undefined;
    }

    graph?.update(model);
    renderStepTable();
    renderStep();
    renderResult(status);
    if (applied < model.events.length) {
      timeline.appended(applied);
      applied = model.events.length;
    }
  }

  function renderStepTable() {
    for (const s of model.steps.values()) {
      let row = stepRows.get(s.name);
      if (!row) {
        const button = h(
          "button",
          { type: "button", class: "link", onclick: () => selectStep(s.name) },
          s.name,
        );
        row = {
          tr: h("tr", { dataset: { step: s.name } }),
          state: h("td", { class: "state" }),
          progress: h("td", { class: "progress num" }),
          runs: h("td", { class: "num" }),
          time: h("td", { class: "num" }),
        };
        row.tr.append(h("td", {}, button), row.state, row.progress, row.runs, row.time);
        row.tr.classList.toggle("selected", s.name === selected);
        stepTable.append(row.tr);
        stepRows.set(s.name, row);
      }
      if (row.tr.dataset.state !== s.state) {
        row.tr.dataset.state = s.state;
        clear(row.state, badge(s.state));
      }
      row.progress.textContent = model.progress(s.name);
      row.runs.textContent = s.runs ? String(s.runs) : "";
      row.time.textContent = s.startedAt
        ? duration((s.endedAt ?? model.endedAt ?? Date.now()) - s.startedAt)
        : "";
    }
  }

  function renderResult(status) {
    const key = `${status}|${model.events.length > 0}`;
    if (resultBox.dataset.key === key) return;
    resultBox.dataset.key = key;
    if (status === "running") {
      clear(resultBox, h("p", { class: "muted" }, model.cancelRequested ? "Cancelling…" : "Running…"));
    } else if (status === "completed") {
      clear(resultBox, jsonBlock(model.result ?? detail?.result));
    } else {
      const error = model.error ?? detail?.error;
      clear(resultBox, errorBox(error, status), model.result !== undefined ? jsonBlock(model.result) : null);
    }
  }

  function renderStep() {
    if (!selected) return;
    const s = model.steps.get(selected);
    const rev = s
      ? `${selected}|${selectedCommand}|${s.state}|${s.commands.length}|${s.loop?.done}|${s.rev}|${model.status}`
      : selected;
    if (rev === renderedRev) return;
    renderedRev = rev;
    const info = graphInfo.nodes.find((n) => n.id === selected);
    if (!s) {
      clear(stepPanel, h("h4", {}, selected), h("p", { class: "muted" }, "No events for this step."));
      return;
    }
    const facts = [
      ["State", badge(s.state)],
      info?.kind ? ["Tool", info.kind] : null,
      s.loop
        ? [
            "Loop",
            h(
              "span",
              { class: "loop-progress", id: "loop-progress" },
              `${s.loop.done}/${s.loop.total}`,
              ` (${s.loop.ok} ok, ${s.loop.failed} failed${s.loop.limit ? `, ${s.loop.limit} in flight max` : ""})`,
            ),
          ]
        : null,
      ["Runs", String(s.runs)],
      s.startedAt ? ["Started", clock(s.startedAt, true)] : null,
      s.endedAt ? ["Ended", clock(s.endedAt, true)] : null,
      s.startedAt ? ["Duration", duration((s.endedAt ?? model.endedAt ?? Date.now()) - s.startedAt)] : null,
      s.skipped
        ? ["Skipped", `${s.skipped.reason}${s.skipped.from ? ` (from ${s.skipped.from})` : ""}`]
        : null,
      s.fired
        ? [
            "Routed",
            `${s.fired.event} → ${(s.fired.fired ?? []).join(", ") || "none"}${s.unhandled ? " (unhandled error)" : ""}`,
          ]
        : null,
      info?.desc ? ["About", info.desc] : null,
    ].filter(Boolean);

    const commands = s.commands;
    let cmd = commands.find((c) => c.command_id === selectedCommand);
    if (!cmd && commands.length > 0) {
      cmd = s.loop ? (commands.find((c) => c.state === "failed") ?? commands.at(-1)) : commands.at(-1);
    }
    const list =
      commands.length > 1
        ? h(
            "div",
            { class: "commands" },
            h("h5", {}, s.loop ? "Iterations" : "Runs"),
            h(
              "table",
              { class: "list compact" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["#", s.loop ? "item" : "attempt", "state", "ran", "worker", "error"].map((c) =>
                    h("th", { scope: "col" }, c),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                commands.slice(0, MAX_COMMAND_ROWS).map((c, i) =>
                  h(
                    "tr",
                    {
                      class: c === cmd ? "selected" : "",
                      dataset: { command: c.command_id, state: c.state },
                    },
                    h(
                      "td",
                      {},
                      h(
                        "button",
                        {
                          type: "button",
                          class: "link",
                          "aria-pressed": c === cmd ? "true" : "false",
                          onclick: () => {
                            selectedCommand = c.command_id;
                            renderStep();
                          },
                        },
                        String(c.index !== undefined ? c.index + 1 : i + 1),
                      ),
                    ),
                    h("td", { class: "mono" }, s.loop ? short(c.item) : String(c.attempt)),
                    h("td", {}, badge(stateOfCommand(c))),
                    h("td", { class: "num" }, duration(c.duration_ms)),
                    h("td", { class: "muted" }, c.worker_id ?? ""),
                    h("td", { class: "error-text" }, c.error?.message ?? ""),
                  ),
                ),
              ),
            ),
            commands.length > MAX_COMMAND_ROWS
              ? h("p", { class: "muted small" }, `first ${MAX_COMMAND_ROWS} of ${commands.length} shown`)
              : null,
          )
        : null;

    clear(
      stepPanel,
      h("h4", { id: "step-name" }, selected),
      h(
        "dl",
        { class: "facts" },
        facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
      ),
      s.error ? errorBox(s.error, "failed") : null,
      h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              timeline.setFilter({ step: selected });
              timeline.el.scrollIntoView({ behavior: "smooth", block: "start" });
            },
          },
          "Show this step's events",
        ),
      ),
      list,
      cmd ? commandDetail(cmd, s, commands.length > 1) : null,
      s.loop && s.result !== undefined && model.steps.get(selected)?.state !== "running"
        ? [h("h5", {}, "Aggregate result"), resultView(s.result)]
        : null,
    );
  }

  function commandDetail(cmd, s, many) {
    const timing = [
      `issued ${clock(cmd.issuedAt, true)}`,
      cmd.startedAt
        ? `started ${clock(cmd.startedAt, true)} (queued ${duration(cmd.startedAt - cmd.issuedAt)})`
        : "",
      cmd.duration_ms !== undefined ? `ran ${duration(cmd.duration_ms)}` : "",
      cmd.endedAt ? `ended ${clock(cmd.endedAt, true)}` : "",
    ]
      .filter(Boolean)
      .join(" · ");
    return h(
      "div",
      { class: "command", dataset: { command: cmd.command_id } },
      many
        ? h("h5", {}, s.loop ? `Iteration ${(cmd.index ?? 0) + 1}` : `Run (attempt ${cmd.attempt})`)
        : null,
      h("p", { class: "muted small" }, timing, cmd.worker_id ? ` · worker ${cmd.worker_id}` : ""),
      cmd.error && (many || cmd.error.message !== s.error?.message) ? errorBox(cmd.error, "failed") : null,
      h("h5", {}, "Input"),
      jsonBlock(s.loop ? { ...(cmd.input ?? {}), item: cmd.item } : (cmd.input ?? {})),
      cmd.state === "done" ? [h("h5", {}, "Result"), resultView(cmd.result)] : null,
      cmd.tasks.length > 0
        ? [
            h("h5", {}, "Attempts"),
            h(
              "table",
              { class: "list compact attempts" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["task", "attempt", "status", "action", "duration", "error"].map((c) =>
                    h("th", { scope: "col" }, c),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                cmd.tasks.map((t) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, t.task),
                    h("td", { class: "num" }, String(t.attempt)),
                    h("td", {}, t.status),
                    h("td", {}, t.action),
                    h("td", { class: "num" }, duration(t.duration_ms)),
                    h("td", { class: "error-text" }, t.error?.message ?? ""),
                  ),
                ),
              ),
            ),
          ]
        : null,
      cmd.output ? [h("h5", {}, "Output"), h("pre", { class: "output" }, cmd.output)] : null,
    );
  }

  /** A step result inline, or the reference with a button that loads it. */
  function resultView(value) {
    if (!isResultRef(value)) return jsonBlock(value);
    const box = h("div", { class: "ref" });
    const load = h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: async () => {
          load.disabled = true;
          try {
            const r = await get(`/api/results?${new URLSearchParams({ ref: value.ref })}`);
            clear(box, jsonBlock(r.data));
          } catch (e) {
            load.disabled = false;
            box.append(h("p", { class: "error" }, e.message));
          }
        },
      },
      "Load full result",
    );
    clear(
      box,
      h("p", {}, "Stored by reference: ", h("code", {}, value.ref), ` (${value.bytes} bytes)`),
      value.preview !== undefined
        ? [h("p", { class: "muted small" }, "Preview"), jsonBlock(value.preview)]
        : null,
      load,
    );
    return box;
  }

  // ---- events -------------------------------------------------------------------------------------
  function ingest(events) {
    let changed = false;
    for (const e of events) if (model.apply(e)) changed = true;
    if (changed) schedule();
  }

  function connect() {
    if (disposed || model.terminal) return;
    if (getToken()) {
      conn.textContent = "polling (API token in use)";
      poll();
      return;
    }
    const es = new EventSource(`/api/executions/${id}/stream?after_seq=${model.lastSeq}`);
    source = es;
    const onMessage = (m) => {
      try {
        ingest([JSON.parse(m.data)]);
      } catch {
        // a malformed frame is skipped
      }
      if (model.terminal) {
        es.close();
        conn.textContent = "ended";
      }
    };
    for (const type of EVENT_TYPES) es.addEventListener(type, onMessage);
    es.onmessage = onMessage;
    es.onopen = () => {
      conn.textContent = "live (server-sent events)";
    };
    es.onerror = () => {
      if (model.terminal) {
        es.close();
        conn.textContent = "ended";
      } else conn.textContent = "reconnecting…";
    };
  }

  async function poll() {
    pollTimer = undefined;
    if (disposed) return;
    try {
      for (;;) {
        const { events } = await get(`/api/executions/${id}/events?after_seq=${model.lastSeq}&limit=1000`);
        if (disposed) return;
        ingest(events);
        if (events.length < 1000) break;
      }
      if (model.terminal) {
        conn.textContent = "ended";
        return;
      }
      conn.textContent = "polling (API token in use)";
    } catch (e) {
      conn.textContent = `polling failed: ${e.message}; retrying`;
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function loadChildren() {
    const { executions } = await get(`/api/executions?parent_execution_id=${id}&limit=100`);
    if (disposed || executions.length === 0) return;
    children.hidden = false;
    clear(
      children,
      h("h3", {}, "Sub-executions"),
      h(
        "ul",
        {},
        executions.map((c) =>
          h(
            "li",
            {},
            h("a", { href: `#/executions/${c.execution_id}` }, c.execution_id),
            " ",
            c.path,
            " ",
            badge(c.status),
          ),
        ),
      ),
    );
  }

  // ---- start ----------------------------------------------------------------------------------------
  const ready = (async () => {
    detail = await get(`/api/executions/${id}`);
    if (disposed) return;
    clear(
      playbookLink,
      h(
        "a",
        { href: hashWith("/catalog/view", { path: detail.path, version: detail.catalog_version }) },
        detail.path,
      ),
      detail.catalog_version !== undefined ? ` v${detail.catalog_version}` : "",
    );
    if (detail.parent_execution_id) {
      clear(
        parentLink,
        h(
          "div",
          {},
          h("dt", {}, "Parent"),
          h(
            "dd",
            {},
            h("a", { href: `#/executions/${detail.parent_execution_id}` }, detail.parent_execution_id),
          ),
        ),
      );
    }
    try {
      const q = new URLSearchParams({ path: detail.path });
      if (detail.catalog_version !== undefined) q.set("version", String(detail.catalog_version));
      const entry = await get(`/api/catalog/resource?${q}`);
      graphInfo = graphOf(await parseYaml(entry.content));
    } catch (e) {
      graphNote.textContent = `The playbook source is not available (${e.message}): the graph shows the steps seen in events.`;
    }
    if (disposed) return;
    for (const n of graphInfo.nodes) if (!n.missing) model.step(n.id);
    try {
      graph = new StepGraph(graphBox, graphInfo, selectStep);
    } catch (e) {
      graphNote.textContent = e.message;
    }
    if (selected) selectStep(selected);
    tick = setInterval(schedule, 1000);
    render();
    connect();
    loadChildren().catch(() => {});
    childTimer = setInterval(() => {
      if (model.terminal) clearInterval(childTimer);
      loadChildren().catch(() => {});
    }, 5000);
  })();

  return {
    ready,
    dispose() {
      disposed = true;
      source?.close();
      clearTimeout(pollTimer);
      clearInterval(tick);
      clearInterval(childTimer);
      graph?.destroy();
    },
  };
}

function stateOfCommand(c) {
  return c.state === "issued" ? "pending" : c.state;
}

function short(v) {
  const t = JSON.stringify(v);
  return t === undefined ? "" : t.length > 40 ? `${t.slice(0, 39)}…` : t;
}

function errorBox(error, status) {
  if (!error) return h("p", { class: "muted" }, status);
  return h(
    "div",
    { class: "error-box", role: "group", "aria-label": "error" },
    h("p", { class: "error-message" }, error.message ?? String(error)),
    h(
      "p",
      { class: "muted small" },
      [error.code, error.kind, error.exception_type, error.task ? `task ${error.task}` : ""]
        .filter(Boolean)
        .join(" · "),
    ),
  );
}
