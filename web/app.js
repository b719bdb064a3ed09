// The dashboard: a hash router over three views (overview, runs, run detail), the filter
// form, and the token form of a server started with --auth-reads. Routes:
//   #/?FILTERS             overview
//   #/runs?FILTERS&sort=S  runs table
//   #/runs/<id>            one run
// FILTERS are the API's filter parameters (filters.js).

import { h, put } from "./dom.js";
import { ApiError, setToken, token } from "./api.js";
import { browserZone } from "./format.js";
import { fromParams, renderForm } from "./filters.js";
import { renderOverview } from "./overview.js";
import { renderRuns } from "./runs.js";
import { renderDetail } from "./detail.js";

const main = document.getElementById("main");
const filtersEl = document.getElementById("filters");
const statusEl = document.getElementById("status");
let generation = 0;
let choices = {};

/** The current route: {view, id, params}. */
function route() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const q = raw.indexOf("?");
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : "");
  const m = path.match(/^\/runs\/([0-9a-fA-F-]{1,36})$/);
  if (m) return { view: "detail", id: m[1], params };
  if (path === "/runs") return { view: "runs", params };
  return { view: "overview", params };
}

/** Go to `path` with `params` (an object; empty values dropped). */
export function navigate(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v) q.set(k, v);
  const text = q.toString();
  location.hash = "#" + path + (text ? "?" + text : "");
}

function tokenForm(retry, err) {
  const input = h("input", { type: "password", id: "token", autocomplete: "off", required: true });
  const form = h("form", { class: "token card" },
    h("h2", {}, "This server needs a token"),
    h("p", {}, "It was started with --auth-reads. The token is kept for this tab only."),
    token() ? h("p", { class: "error-text", role: "alert" }, err.message) : null,
    h("label", { for: "token" }, "Bearer token"), input,
    h("button", { type: "submit" }, "Continue"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    setToken(input.value.trim());
    retry();
  });
  put(main, form);
  input.focus();
}

function showError(err) {
  put(main, h("div", { class: "card error", role: "alert" },
    h("h2", {}, "Cannot load this view"),
    h("p", {}, err instanceof ApiError ? `${err.status} ${err.code}: ${err.message}` : String(err && err.message ? err.message : err))));
}

async function render() {
  const gen = ++generation;
  const r = route();
  const isCurrent = () => gen === generation;
  document.getElementById("nav-overview").toggleAttribute("aria-current", r.view === "overview");
  document.getElementById("nav-runs").toggleAttribute("aria-current", r.view !== "overview");
  const filters = fromParams(r.params);
  document.title = (r.view === "runs" ? "Runs" : r.view === "detail" ? "Run" : "Overview") + " · aidf";
  if (r.view === "detail") {
    filtersEl.hidden = true;
  } else {
    filtersEl.hidden = false;
    const path = r.view === "runs" ? "/runs" : "/";
    renderForm(filtersEl, filters, (nf) => navigate(path, { ...nf, sort: r.params.get("sort") || "" }), choices);
  }
  statusEl.textContent = "Loading…";
  main.setAttribute("aria-busy", "true");
  try {
    if (r.view === "overview") {
      const summary = await renderOverview(main, filters, isCurrent);
      if (summary && isCurrent() && !Object.keys(filters).length) {
        // The datalists offer the providers and models of all runs.
        choices = {
          provider: (summary.byProvider || []).map((g) => g.provider).filter(Boolean),
          model: (summary.byModel || []).map((g) => g.model).filter(Boolean),
        };
        renderForm(filtersEl, filters, (nf) => navigate("/", nf), choices);
      }
    } else if (r.view === "runs") {
      await renderRuns(main, filters, r.params.get("sort") || "", isCurrent, navigate);
    } else {
      await renderDetail(main, r.id, isCurrent);
    }
    if (isCurrent()) statusEl.textContent = "";
  } catch (err) {
    if (!isCurrent()) return;
    statusEl.textContent = "";
    if (err instanceof ApiError && err.status === 401) tokenForm(render, err);
    else showError(err);
  } finally {
    if (isCurrent()) main.removeAttribute("aria-busy");
  }
}

document.getElementById("zone").textContent = "Times in " + browserZone();
window.addEventListener("hashchange", () => {
  render();
  main.focus({ preventScroll: true });
});
render();
// Exposed for the benchmark and the browser test: a reload of the same view.
window.aidfRender = render;
