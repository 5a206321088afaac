// The playbook graph: cytoscape + dagre (ui/vendor, loaded by index.html as classic scripts),
// laid out top-down, nodes coloured by step state. The instance is exposed as `window.__cy`.

/** Node colours by state (also used by the legend and the step table). */
export const STATE_COLORS = {
  pending: { bg: "#e9ecf2", border: "#9aa1b1", fg: "#1d2330" },
  running: { bg: "#2d6cdf", border: "#1d4fa8", fg: "#ffffff" },
  done: { bg: "#1f8a4c", border: "#166638", fg: "#ffffff" },
  failed: { bg: "#c0392b", border: "#8e2a1f", fg: "#ffffff" },
  skipped: { bg: "#f7f8fb", border: "#9aa1b1", fg: "#6b7385" },
  cancelled: { bg: "#8a6d1f", border: "#5f4b14", fg: "#ffffff" },
};

function label(node) {
  const { id, state, progress } = node.data();
  return `${id}\n${state}${progress ? ` · ${progress}` : ""}`;
}

function style() {
  const nodeStates = Object.entries(STATE_COLORS).map(([state, c]) => ({
    selector: `node[state = "${state}"]`,
    style: { "background-color": c.bg, "border-color": c.border, color: c.fg },
  }));
  return [
    {
      selector: "node",
      style: {
        shape: "round-rectangle",
        label,
        "text-wrap": "wrap",
        "text-valign": "center",
        "text-halign": "center",
        "font-family": "system-ui, sans-serif",
        "font-size": 12,
        "line-height": 1.3,
        width: (n) => Math.max(96, 8 + 7.4 * Math.max(n.id().length, label(n).split("\n")[1].length)),
        height: 44,
        "border-width": 2,
      },
    },
    ...nodeStates,
    { selector: "node[?loop]", style: { "border-style": "double", "border-width": 5 } },
    { selector: 'node[state = "skipped"]', style: { "border-style": "dashed" } },
    { selector: "node[?missing]", style: { "border-style": "dotted" } },
    {
      selector: "node:selected",
      style: {
        "border-color": "#1d2330",
        "border-width": 3,
        "overlay-color": "#2d6cdf",
        "overlay-opacity": 0.14,
        "overlay-padding": 5,
      },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "curve-style": "bezier",
        "line-color": "#9aa1b1",
        "target-arrow-color": "#9aa1b1",
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.9,
        label: "data(label)",
        "font-size": 10,
        color: "#6b7385",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.9,
        "text-background-padding": 2,
        "text-rotation": "none",
      },
    },
    { selector: "edge[?implicit]", style: { "line-style": "dotted" } },
    {
      selector: 'edge[flow = "taken"]',
      style: { width: 2.5, "line-color": "#1d2330", "target-arrow-color": "#1d2330" },
    },
    { selector: 'edge[flow = "untaken"]', style: { "line-style": "dashed", opacity: 0.45 } },
  ];
}

export class StepGraph {
  /**
   * @param {HTMLElement} container
   * @param {{nodes: object[], edges: object[]}} graph from playbook.js graphOf
   * @param {(step: string) => void} onSelect
   */
  constructor(container, graph, onSelect) {
    const cytoscape = window.cytoscape;
    if (!cytoscape) throw new Error("cytoscape is not loaded (ui/vendor missing? run `npm run vendor:ui`)");
    this.container = container;
    this.cy = cytoscape({
      container,
      elements: [
        ...graph.nodes.map((n) => ({
          data: {
            id: n.id,
            state: "pending",
            progress: "",
            loop: n.loop || undefined,
            missing: n.missing || undefined,
          },
        })),
        ...graph.edges.map((e) => ({
          data: {
            id: e.id,
            source: e.source,
            target: e.target,
            label: e.label,
            flow: "idle",
            implicit: e.implicit || undefined,
          },
        })),
      ],
      style: style(),
      minZoom: 0.2,
      maxZoom: 2,
      autoungrabify: true,
      boxSelectionEnabled: false,
      selectionType: "single",
    });
    this.cy.on("tap", "node", (ev) => onSelect(ev.target.id()));
    this.layout();
    window.__cy = this.cy;
  }

  layout() {
    this.cy
      .layout({ name: "dagre", rankDir: "TB", nodeSep: 36, rankSep: 54, edgeSep: 12, padding: 16, fit: true })
      .run();
    if (this.cy.zoom() > 1.25) {
      this.cy.zoom(1.25);
      this.cy.center();
    }
  }

  /** Applies the model's step states; adds steps the playbook did not declare. */
  update(model) {
    let added = false;
    this.cy.batch(() => {
      for (const s of model.steps.values()) {
        let node = this.cy.getElementById(s.name);
        if (node.empty()) {
          node = this.cy.add({ data: { id: s.name, state: s.state, progress: "", missing: true } });
          added = true;
        }
        const progress = model.progress(s.name);
        if (node.data("state") !== s.state || node.data("progress") !== progress)
          node.data({ state: s.state, progress });
      }
      for (const edge of this.cy.edges()) {
        const key = edge.id();
        const flow = model.fired.has(key)
          ? "taken"
          : model.evaluated.has(edge.data("source"))
            ? "untaken"
            : "idle";
        if (edge.data("flow") !== flow) edge.data("flow", flow);
      }
      for (const key of model.fired) {
        if (!this.cy.getElementById(key).empty()) continue;
        const [source, target] = key.split("->");
        if (this.cy.getElementById(source).empty() || this.cy.getElementById(target).empty()) continue;
        this.cy.add({ data: { id: key, source, target, label: "", flow: "taken" } });
        added = true;
      }
    });
    if (added) this.layout();
  }

  select(step) {
    this.cy.$(":selected").unselect();
    if (step) this.cy.getElementById(step).select();
  }

  fit() {
    this.cy.fit(undefined, 16);
  }

  destroy() {
    if (window.__cy === this.cy) window.__cy = undefined;
    this.cy.destroy();
  }
}
