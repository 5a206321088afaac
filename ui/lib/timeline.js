// The events timeline: a virtualised list (only the visible rows are in the DOM, so 10,000+
// events stay fast) with filters by type, step and text, keyboard navigation and a payload view.
import { summarize } from "./model.js";
import { clear, clock, h, pretty } from "./util.js";

const ROW = 26;
const OVERSCAN = 8;

export class Timeline {
  /** @param {{model: import("./model.js").ExecutionModel, stepOf: (e: object) => string | undefined}} options */
  constructor({ model, stepOf }) {
    this.model = model;
    this.stepOf = stepOf;
    this.filter = { type: "", step: "", text: "" };
    /** indexes into model.events that pass the filter */
    this.rows = [];
    this.selected = -1;
    this.follow = true;
    this.knownTypes = new Set();
    this.knownSteps = new Set();
    this.pending = false;

    this.typeSelect = h(
      "select",
      { id: "tl-type", onchange: () => this.setFilter({ type: this.typeSelect.value }) },
      h("option", { value: "" }, "all types"),
    );
    this.stepSelect = h(
      "select",
      { id: "tl-step", onchange: () => this.setFilter({ step: this.stepSelect.value }) },
      h("option", { value: "" }, "all steps"),
    );
    this.search = h("input", {
      id: "tl-text",
      type: "search",
      placeholder: "text in summary",
      oninput: () => this.setFilter({ text: this.search.value.trim().toLowerCase() }),
    });
    this.followBox = h("input", {
      id: "tl-follow",
      type: "checkbox",
      checked: true,
      onchange: () => {
        this.follow = this.followBox.checked;
        if (this.follow) this.scrollToEnd();
      },
    });
    this.count = h("span", { class: "muted", "aria-live": "polite", id: "tl-count" });
    this.spacer = h("div", { class: "vspacer" });
    this.body = h("div", { class: "vrows" });
    this.list = h(
      "div",
      {
        class: "vlist",
        id: "timeline",
        role: "listbox",
        tabindex: "0",
        "aria-label": "Events",
        onscroll: () => this.onScroll(),
        onkeydown: (ev) => this.onKey(ev),
        onclick: (ev) => {
          const row = ev.target.closest?.("[data-index]");
          if (row) this.select(Number(row.dataset.index));
        },
      },
      this.spacer,
      this.body,
    );
    this.detail = h("pre", { class: "json event-detail", id: "event-detail", "aria-live": "polite" });
    this.el = h(
      "section",
      { class: "card timeline", "aria-labelledby": "tl-title" },
      h(
        "div",
        { class: "card-head" },
        h("h3", { id: "tl-title" }, "Events"),
        h(
          "div",
          { class: "filters" },
          h("label", {}, "Type ", this.typeSelect),
          h("label", {}, "Step ", this.stepSelect),
          h("label", {}, "Search ", this.search),
          h("label", {}, this.followBox, " follow"),
          this.count,
        ),
      ),
      h(
        "div",
        { class: "vhead", "aria-hidden": "true" },
        h("span", {}, "seq"),
        h("span", {}, "time"),
        h("span", {}, "type"),
        h("span", {}, "step"),
        h("span", {}, "detail"),
      ),
      this.list,
      this.detail,
    );
  }

  matches(e) {
    const f = this.filter;
    if (f.type && e.type !== f.type) return false;
    if (f.step && this.stepOf(e) !== f.step) return false;
    if (f.text) {
      const hay = `${e.type} ${this.stepOf(e) ?? ""} ${summarize(e)}`.toLowerCase();
      if (!hay.includes(f.text)) return false;
    }
    return true;
  }

  setFilter(patch) {
    Object.assign(this.filter, patch);
    if (patch.type !== undefined) this.typeSelect.value = patch.type;
    if (patch.step !== undefined) this.stepSelect.value = patch.step;
    const events = this.model.events;
    this.rows = [];
    for (let i = 0; i < events.length; i++) if (this.matches(events[i])) this.rows.push(i);
    if (this.follow) this.scrollToEnd();
    this.schedule();
  }

  /** New events were applied to the model (indexes `from`..end of model.events). */
  appended(from) {
    const events = this.model.events;
    let newOptions = false;
    for (let i = from; i < events.length; i++) {
      const e = events[i];
      if (!this.knownTypes.has(e.type)) {
        this.knownTypes.add(e.type);
        newOptions = true;
      }
      const step = this.stepOf(e);
      if (step && !this.knownSteps.has(step)) {
        this.knownSteps.add(step);
        newOptions = true;
      }
      if (this.matches(e)) this.rows.push(i);
    }
    if (newOptions) this.refreshOptions();
    if (this.follow) this.scrollToEnd();
    this.schedule();
  }

  refreshOptions() {
    const fill = (select, values, label) => {
      const current = select.value;
      clear(
        select,
        h("option", { value: "" }, label),
        [...values].sort().map((v) => h("option", { value: v }, v)),
      );
      select.value = values.has(current) ? current : "";
    };
    fill(this.typeSelect, this.knownTypes, "all types");
    fill(this.stepSelect, this.knownSteps, "all steps");
    if (this.filter.type && !this.knownTypes.has(this.filter.type)) this.typeSelect.value = "";
  }

  scrollToEnd() {
    this.stickToEnd = true;
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  onScroll() {
    const atEnd = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - ROW;
    if (!atEnd && this.follow && !this.stickToEnd && !this.programmatic) {
      this.follow = false;
      this.followBox.checked = false;
    }
    this.programmatic = false;
    this.render();
  }

  render() {
    const total = this.rows.length;
    this.spacer.style.height = `${total * ROW}px`;
    if (this.stickToEnd) {
      this.stickToEnd = false;
      const top = Math.max(0, total * ROW - this.list.clientHeight);
      if (this.list.scrollTop !== top) {
        this.programmatic = true;
        this.list.scrollTop = top;
      }
    }
    const height = this.list.clientHeight || 360;
    const first = Math.max(0, Math.floor(this.list.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.list.scrollTop + height) / ROW) + OVERSCAN);
    const events = this.model.events;
    const rows = [];
    for (let r = first; r < last; r++) {
      const index = this.rows[r];
      const e = events[index];
      const kind = e.type.endsWith(".error") || e.type.endsWith(".failed") ? "bad" : "";
      rows.push(
        h(
          "div",
          {
            class: `vrow ${kind} ${index === this.selected ? "selected" : ""}`,
            role: "option",
            id: `ev-${index}`,
            "aria-selected": index === this.selected ? "true" : "false",
            "aria-posinset": r + 1,
            "aria-setsize": total,
            style: `top:${r * ROW}px`,
            dataset: { index: String(index), seq: String(e.seq ?? "") },
          },
          h("span", { class: "seq" }, e.seq ?? ""),
          h("span", { class: "time" }, clock(e.at, true)),
          h("span", { class: "type" }, e.type),
          h("span", { class: "step" }, this.stepOf(e) ?? ""),
          h("span", { class: "sum", title: "" }, summarize(e)),
        ),
      );
    }
    clear(this.body, rows);
    if (this.selected >= 0) this.list.setAttribute("aria-activedescendant", `ev-${this.selected}`);
    else this.list.removeAttribute("aria-activedescendant");
    const all = this.model.events.length;
    this.count.textContent = total === all ? `${all} events` : `${total} of ${all} events`;
  }

  select(index) {
    this.selected = index;
    const e = this.model.events[index];
    this.detail.textContent = e
      ? `${e.type}${e.step ? ` · ${e.step}` : ""} · seq ${e.seq}\n${pretty(e.payload)}`
      : "";
    this.render();
  }

  onKey(ev) {
    if (this.rows.length === 0) return;
    const pos = Math.max(0, this.rows.indexOf(this.selected));
    const page = Math.max(1, Math.floor(this.list.clientHeight / ROW) - 1);
    const moves = {
      ArrowDown: pos + 1,
      ArrowUp: pos - 1,
      PageDown: pos + page,
      PageUp: pos - page,
      Home: 0,
      End: this.rows.length - 1,
    };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    const next = Math.min(this.rows.length - 1, Math.max(0, moves[ev.key]));
    const top = next * ROW;
    if (top < this.list.scrollTop) this.list.scrollTop = top;
    else if (top + ROW > this.list.scrollTop + this.list.clientHeight)
      this.list.scrollTop = top + ROW - this.list.clientHeight;
    this.select(this.rows[next]);
  }
}
