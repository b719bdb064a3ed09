// The overview: the figures of /summary for the filters (formatted as `aidf report
// summary` prints them), cost per day by model and runs per day by status (/stats in the
// browser's zone), the most expensive tasks, the phase distribution and the busiest files.

import { h, put } from "./dom.js";
import { get } from "./api.js";
import { browserZone, duration, localTime, money, pct, rate, thousands } from "./format.js";
import { dayRange, shareBars, stackedBars } from "./chart.js";

const PHASES = [
  ["contextLoading", "Context loading"], ["aiExecution", "AI execution"], ["scopeChecking", "Scope checking"],
  ["validation", "Validation"], ["gitOperations", "Git operations"], ["other", "Other"],
];
const STATUSES = ["completed", "blocked", "failed"];

/** One figure: a label, the formatted value (data-fig names it, data-value is raw), a note. */
function fig(name, label, value, raw, note) {
  return h("div", { class: "fig", "data-fig": name },
    h("div", { class: "fig-label" }, label),
    h("div", { class: "fig-value", "data-value": raw === undefined ? null : String(raw) }, value),
    note ? h("div", { class: "fig-note" }, note) : null);
}

/** The cost figures: the headline currency, then each other one (never added together). */
function costFigs(sm) {
  const c = sm.cost || {};
  const by = sm.costByCurrency;
  if (!by) {
    const total = c.pricedRuns ? money(c.total, c.currency) : "unpriced";
    const note = c.unpricedRuns ? `${thousands(c.unpricedRuns)} unpriced run${c.unpricedRuns === 1 ? "" : "s"}` : null;
    const out = [fig("cost", "Total cost", total, c.total, note)];
    if (c.pricedRuns) out.push(fig("avgCost", "Average cost", money(c.average, c.currency), c.average, "per priced run"));
    return out;
  }
  const codes = Object.keys(by).sort((a, b) => (a === c.currency ? -1 : b === c.currency ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return codes.map((code) => {
    const m = by[code];
    const head = code === c.currency;
    let note = `${thousands(m.pricedRuns)} priced run${m.pricedRuns === 1 ? "" : "s"}`;
    if (m.unpricedRuns) note += `, ${thousands(m.unpricedRuns)} unpriced`;
    if (m.pricedRuns) note += `, average ${money(m.average, code)}`;
    return h("div", { class: "fig", "data-fig": head ? "cost" : "cost-" + code, "data-currency": code },
      h("div", { class: "fig-label" }, head ? "Total cost" : "Cost in " + code),
      h("div", { class: "fig-value", "data-value": String(m.total) }, m.pricedRuns ? money(m.total, code) : "unpriced"),
      h("div", { class: "fig-note" }, note));
  });
}

/** A group's cost as the CLI's tables print it: each currency, the headline first. */
function groupCost(sm, g) {
  if (!sm.costByCurrency) {
    const priced = g.unpricedRuns === undefined ? g.cost !== null : g.runs - g.unpricedRuns > 0;
    return priced ? money(g.cost, sm.cost.currency) : "unpriced";
  }
  const head = sm.cost.currency;
  const parts = Object.entries(g.costByCurrency || {})
    .filter(([, m]) => m.pricedRuns > 0)
    .sort(([a], [b]) => (a === head ? -1 : b === head ? 1 : a < b ? -1 : 1))
    .map(([code, m]) => money(m.cost, code));
  return parts.length ? parts.join(", ") : "unpriced";
}

function figures(sm) {
  const t = sm.tokens || {};
  const a = sm.averages || {};
  return h("section", { class: "figs", "aria-label": "Summary" },
    fig("runs", "Runs", thousands(sm.runs), sm.runs,
      `${thousands(sm.completed)} completed, ${thousands(sm.blocked)} blocked, ${thousands(sm.failed)} failed`),
    fig("successRate", "Success rate", rate(sm.successRate), sm.successRate),
    fig("tokens", "Tokens", thousands(t.total), t.total, `input ${thousands(t.input)}, output ${thousands(t.output)}`),
    fig("tokensWithCache", "Tokens with cache", thousands(t.totalWithCache), t.totalWithCache,
      `cache read ${thousands(t.cacheRead)}, write ${thousands(t.cacheWrite)}` +
      (t.estimatedRuns ? ` · ${thousands(t.estimatedRuns)} run${t.estimatedRuns === 1 ? "" : "s"} estimated` : "")),
    costFigs(sm),
    fig("avgDuration", "Average duration", duration(a.durationMs), a.durationMs,
      `total ${duration(sm.totals ? sm.totals.durationMs : 0)} · ${(a.iterations || 0).toFixed(1)} iterations`));
}

/** An axis label: whole amounts from 10 on, two decimals below ("$0.50", "20 EUR"). */
function axisMoney(v, currency) {
  const n = v >= 10 || v === 0 ? thousands(v) : v.toFixed(2);
  return !currency || currency === "USD" ? "$" + n : n + " " + currency;
}

/** Cost per day by model in `currency`: one series per model of the rows (any currency). */
function costChart(stats, currency) {
  const rows = stats.rows || [];
  const periods = dayRange([...new Set(rows.map((r) => r.period))].sort());
  const idx = new Map(periods.map((p, i) => [p, i]));
  const models = [...new Set(rows.map((r) => r.model ?? "(none)"))];
  const byModel = new Map(models.map((m) => [m, periods.map(() => 0)]));
  const totals = new Map(models.map((m) => [m, 0]));
  for (const r of rows) {
    if (r.currency !== currency || !r.cost) continue;
    const m = r.model ?? "(none)";
    byModel.get(m)[idx.get(r.period)] += r.cost;
    totals.set(m, totals.get(m) + r.cost);
  }
  models.sort((a, b) => totals.get(b) - totals.get(a) || (a < b ? -1 : 1));
  return stackedBars({
    title: `Cost per day by model (${currency}, ${stats.tz})`,
    periods, series: models.map((m) => ({ name: m, values: byModel.get(m) })),
    fmt: (v) => money(v, currency),
    axisFmt: (v) => axisMoney(v, currency),
  });
}

function statusChart(stats) {
  const rows = stats.rows || [];
  const periods = dayRange([...new Set(rows.map((r) => r.period))].sort());
  const idx = new Map(periods.map((p, i) => [p, i]));
  const series = STATUSES.map((st) => ({ name: st, values: periods.map(() => 0) }));
  for (const r of rows) {
    const k = STATUSES.indexOf(r.status);
    if (k >= 0) series[k].values[idx.get(r.period)] += r.runs;
  }
  const fig = stackedBars({ title: `Runs per day by status (${stats.tz})`, periods, series, fmt: (v) => thousands(v) });
  fig.classList.add("status-chart");
  return fig;
}

function topTasks(sm) {
  const rows = sm.topTasks || [];
  return h("section", { class: "card span-all", "aria-labelledby": "h-tasks" },
    h("h2", { id: "h-tasks" }, "Most expensive tasks"),
    rows.length ? h("div", { class: "scroll" }, h("table", { id: "top-tasks" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Task"), h("th", { scope: "col", class: "num" }, "Runs"),
        h("th", { scope: "col", class: "num" }, "Cost"), h("th", { scope: "col", class: "num" }, "Tokens"))),
      h("tbody", {}, rows.map((g) => h("tr", {},
        h("td", {}, h("a", { href: "#/runs?task=" + encodeURIComponent(g.task || "") }, g.task || "-")),
        h("td", { class: "num" }, thousands(g.runs)), h("td", { class: "num" }, groupCost(sm, g)),
        h("td", { class: "num" }, thousands(g.tokens))))))) : h("p", { class: "muted" }, "No runs."));
}

function phases(sm) {
  const ph = sm.phases || {};
  const rows = PHASES.map(([k, label], i) => ({ key: k, label, share: ph[k] ? ph[k].share : null, avg: ph[k] ? ph[k].avgMs : null, color: i }))
    .filter((r) => r.share !== null && r.share !== undefined)
    .sort((a, b) => b.share - a.share);
  return h("section", { class: "card", "aria-labelledby": "h-phases" },
    h("h2", { id: "h-phases" }, "Average phase distribution"),
    rows.some((r) => r.share > 0)
      ? shareBars(rows.map((r) => ({ label: r.label, share: r.share, color: r.color, text: `${pct(r.share)} · ${duration(r.avg)} avg` })), "phases")
      : h("p", { class: "muted" }, "No phase timings recorded."));
}

function busiestFiles(sm) {
  const rows = sm.topFiles || [];
  return h("section", { class: "card", "aria-labelledby": "h-files" },
    h("h2", { id: "h-files" }, "Most changed files"),
    rows.length ? h("ol", { class: "files", id: "top-files" },
      rows.map((f) => h("li", {}, h("code", {}, f.path || "-"), h("span", { class: "num" }, thousands(f.runs) + " runs"))))
      : h("p", { class: "muted" }, "No files changed."));
}

/** The cost chart with its currency buttons (when the runs have several currencies). */
function costSection(box, byModel, sm) {
  const currencies = [...new Set((byModel.rows || []).map((r) => r.currency))].sort();
  const head = (sm.cost && sm.cost.currency) || currencies[0] || "USD";
  const chartBox = h("div", { id: "cost-chart" }, costChart(byModel, head));
  const pick = currencies.length > 1
    ? h("div", { class: "currency-pick", role: "group", "aria-label": "Chart currency" },
      currencies.map((code) => {
        const b = h("button", { type: "button", class: "secondary", "aria-pressed": code === head ? "true" : "false" }, code);
        b.addEventListener("click", () => {
          put(chartBox, costChart(byModel, code));
          for (const o of b.parentNode.children) o.setAttribute("aria-pressed", o === b ? "true" : "false");
        });
        return b;
      }))
    : null;
  put(box, pick, chartBox);
}

/**
 * Render the overview for the filters `f` into `el`; resolves to the summary (or null
 * when a newer render took over, per `isCurrent`). The figures and tables of /summary
 * are in the page as soon as it answers (performance mark "aidf:overview-figures"); the
 * charts follow when both /stats answers are in ("aidf:overview").
 */
export async function renderOverview(el, f, isCurrent) {
  const tz = browserZone();
  // The summary first: on a server that has not cached these answers yet, the two /stats
  // computations would otherwise compete with it for the CPUs and delay the figures.
  const sm = await get("/summary", f);
  if (!isCurrent()) return null;
  const pCharts = Promise.all([
    get("/stats", { ...f, interval: "day", by: "model", tz }),
    get("/stats", { ...f, interval: "day", by: "status", tz }),
  ]);
  const costBox = h("section", { class: "card wide", "aria-label": "Cost per day by model", "aria-busy": "true" },
    h("p", { class: "muted" }, "Loading the cost per day…"));
  const statusBox = h("section", { class: "card wide", "aria-label": "Runs per day by status", "aria-busy": "true" },
    h("p", { class: "muted" }, "Loading the runs per day…"));
  put(el,
    h("h1", {}, "Overview"),
    sm.runs && sm.period ? h("p", { class: "muted period" }, `Runs from ${localTime(sm.period.first)} to ${localTime(sm.period.last)}`) : null,
    figures(sm), costBox, statusBox,
    h("div", { class: "grid" }, topTasks(sm), phases(sm), busiestFiles(sm)));
  performance.mark("aidf:overview-figures");
  const [byModel, byStatus] = await pCharts;
  if (!isCurrent()) return null;
  costSection(costBox, byModel, sm);
  put(statusBox, statusChart(byStatus));
  costBox.removeAttribute("aria-busy");
  statusBox.removeAttribute("aria-busy");
  performance.mark("aidf:overview");
  document.body.dataset.view = "overview";
  return sm;
}
