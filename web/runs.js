// The runs table: /runs with the filters, sorted by the server (`sort`: timestamp, cost,
// tokens, durationMs, "-" for descending; default newest first) and paged with its
// cursor. The cursors of the pages before are kept to go back.

import { h, put } from "./dom.js";
import { get } from "./api.js";
import { duration, localTime, money, thousands } from "./format.js";

const PAGE = 50;
const COLUMNS = [
  { key: "timestamp", label: "Time" },
  { key: null, label: "Task" },
  { key: null, label: "Status" },
  { key: null, label: "Model" },
  { key: "tokens", label: "Tokens", num: true },
  { key: "cost", label: "Cost", num: true },
  { key: "durationMs", label: "Duration", num: true },
  { key: null, label: "Files", num: true },
];

function sortButton(col, sort, onSort) {
  const cur = sort || "-timestamp";
  const field = cur.replace(/^-/, "");
  const desc = cur.startsWith("-");
  const active = field === col.key;
  const next = active ? (desc ? col.key : "-" + col.key) : "-" + col.key;
  const b = h("button", { type: "button", class: "sort", "data-sort": col.key, "aria-label": `Sort by ${col.label.toLowerCase()}` },
    col.label, active ? (desc ? " ▼" : " ▲") : "");
  b.addEventListener("click", () => onSort(next === "-timestamp" ? "" : next));
  return h("th", { scope: "col", class: col.num ? "num" : null, "aria-sort": active ? (desc ? "descending" : "ascending") : null }, b);
}

function row(r) {
  const cost = r.cost === null || r.cost === undefined ? "unpriced" : money(r.cost, r.currency);
  const t = r.tokens || {};
  return h("tr", { "data-run": r.runId },
    h("td", { class: "when" }, h("a", { href: "#/runs/" + r.runId, class: "run-link" }, localTime(r.timestamp))),
    h("td", { class: "task" }, r.taskName || r.taskPath || "-"),
    h("td", {}, h("span", { class: "badge " + r.status }, r.status)),
    h("td", {}, [r.provider, r.model].filter(Boolean).join(" · ") || "-"),
    h("td", { class: "num" }, (t.estimated ? "~" : "") + thousands(t.total)),
    h("td", { class: "num" }, cost),
    h("td", { class: "num" }, duration(r.durationMs)),
    h("td", { class: "num" }, thousands(r.filesChanged)));
}

/** Render the runs view into `el` (`navigate(path, params)` changes the hash). */
export async function renderRuns(el, f, sort, isCurrent, navigate) {
  const cursors = [""];
  const load = async (page) => {
    const params = { ...f, limit: String(PAGE) };
    if (sort) params.sort = sort;
    if (cursors[page]) params.cursor = cursors[page];
    const res = await get("/runs", params);
    if (!isCurrent()) return;
    cursors[page + 1] = res.nextCursor || null;
    const onSort = (s) => navigate("/runs", { ...f, sort: s });
    const first = page * PAGE + 1, last = page * PAGE + res.runs.length;
    const prev = h("button", { type: "button", class: "secondary", id: "prev-page", disabled: page === 0 }, "← Newer");
    const next = h("button", { type: "button", class: "secondary", id: "next-page", disabled: !res.nextCursor }, "Older →");
    const go = (to) => load(to).then(() => window.scrollTo(0, 0), (err) => {
      put(el, h("div", { class: "card error", role: "alert" }, h("h2", {}, "Cannot load this page"), h("p", {}, String(err.message || err))));
    });
    prev.addEventListener("click", () => go(page - 1));
    next.addEventListener("click", () => go(page + 1));
    put(el,
      h("h1", {}, "Runs"),
      h("p", { class: "muted", id: "runs-count" },
        res.total ? `${thousands(first)}–${thousands(last)} of ${thousands(res.total)} runs` : "No runs match."),
      h("div", { class: "scroll card" }, h("table", { id: "runs-table" },
        h("thead", {}, h("tr", {}, COLUMNS.map((c) => (c.key ? sortButton(c, sort, onSort) : h("th", { scope: "col", class: c.num ? "num" : null }, c.label))))),
        h("tbody", {}, res.runs.map(row)))),
      h("nav", { class: "pager", "aria-label": "Pages" }, prev, next));
    document.body.dataset.view = "runs";
  };
  await load(0);
}
