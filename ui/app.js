// NoETL web UI: a hash router over three views (executions, one execution, catalog).
// Plain ES modules, no build step; cytoscape and dagre come from ui/vendor (index.html).
import { getToken, setToken } from "./lib/api.js";
import { clear, h, parseHash } from "./lib/util.js";
import { catalogView, playbookView } from "./views/catalog.js";
import { executionView } from "./views/execution.js";
import { executionsView } from "./views/executions.js";

const view = document.getElementById("view");
const tokenButton = document.getElementById("token-button");
const tokenDialog = document.getElementById("token-dialog");
let current;

function route() {
  current?.dispose();
  current = undefined;
  const { path, params } = parseHash();
  const exec = /^\/executions\/(\d+)$/.exec(path);
  let section = "executions";
  if (exec) current = executionView(view, exec[1], params);
  else if (path === "/catalog") {
    section = "catalog";
    current = catalogView(view);
  } else if (path === "/catalog/view") {
    section = "catalog";
    current = playbookView(view, params);
  } else current = executionsView(view, params);
  for (const a of document.querySelectorAll("nav a[data-section]")) {
    if (a.dataset.section === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `NoETL · ${exec ? `execution ${exec[1]}` : section}`;
  const mine = current;
  current.ready?.catch((e) => {
    if (mine !== current) return;
    if (e.status === 401) return; // the token dialog is open
    clear(
      view,
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Something went wrong"),
        h("p", { class: "error" }, e.message),
      ),
    );
  });
}

function showTokenState() {
  tokenButton.textContent = getToken() ? "API token: set" : "API token";
}

function askToken(reason) {
  document.getElementById("token-reason").textContent = reason ?? "";
  const input = document.getElementById("token-input");
  input.value = "";
  if (!tokenDialog.open) {
    tokenDialog.returnValue = "cancel";
    tokenDialog.showModal();
  }
  input.focus();
}

tokenButton.addEventListener("click", () => askToken(""));
document.getElementById("token-form").addEventListener("submit", (ev) => {
  const action = ev.submitter?.value;
  const input = document.getElementById("token-input");
  if (action === "save") setToken(input.value.trim());
  else if (action === "forget") setToken("");
  input.value = "";
});
tokenDialog.addEventListener("close", () => {
  showTokenState();
  if (tokenDialog.returnValue !== "cancel") route();
});
window.addEventListener("noetl:unauthorized", () =>
  askToken(getToken() ? "The token was refused." : "This server needs an API token."),
);
window.addEventListener("hashchange", route);
showTokenState();
route();
