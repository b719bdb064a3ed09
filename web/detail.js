// One run (#/runs/<id>): the report of /runs/{id}, field by field
// (api/execution-report.schema.json). Every string from the report is inserted as text.

import { h, put } from "./dom.js";
import { get } from "./api.js";
import { duration, localTime, money, pct, thousands } from "./format.js";
import { shareBars } from "./chart.js";

const PHASES = [
  ["contextLoading", "Context loading"], ["aiExecution", "AI execution"], ["scopeChecking", "Scope checking"],
  ["validation", "Validation"], ["gitOperations", "Git operations"], ["other", "Other"],
];

const val = (v) => (v === null || v === undefined || v === "" ? "-" : String(v));

/** A definition list of [label, value, name] rows; rows whose value is null are left out. */
function dl(rows) {
  return h("dl", { class: "kv" }, rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "")
    .map(([k, v, name]) => [h("dt", {}, k), h("dd", { "data-field": name || null }, v instanceof Node ? v : String(v))]));
}

function card(title, id, ...body) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...body);
}

/** A link only for http(s) URLs; anything else is shown as text. */
function link(url) {
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url);
    if (u.protocol === "https:" || u.protocol === "http:") return h("a", { href: u.href, rel: "noopener noreferrer", target: "_blank" }, url);
  } catch {
    /* not a URL */
  }
  return url;
}

function reason(r) {
  if (r.blockedReason) return r.blockedReason;
  const e = r.error;
  if (!e) return null;
  if (typeof e === "string") return e;
  return [e.category, e.code].filter(Boolean).join("/") + (e.category || e.code ? ": " : "") + (e.message || "");
}

function table(id, headers, rows) {
  return h("div", { class: "scroll" }, h("table", { id },
    h("thead", {}, h("tr", {}, headers.map(([label, num]) => h("th", { scope: "col", class: num ? "num" : null }, label)))),
    h("tbody", {}, rows)));
}

function fileList(kind, files) {
  const list = Array.isArray(files) ? files : [];
  return h("div", { class: "filegroup" }, h("h3", {}, `${kind[0].toUpperCase()}${kind.slice(1)} (${list.length})`),
    list.length ? h("ul", { class: "files", "data-files": kind }, list.map((f) => h("li", {}, h("code", {}, String(f)))))
      : h("p", { class: "muted" }, "none"));
}

/** Render run `id` into `el`. */
export async function renderDetail(el, id, isCurrent) {
  const r = await get("/runs/" + encodeURIComponent(id));
  if (!isCurrent()) return;
  const t = r.tokens || {};
  const c = r.cost || {};
  const tm = r.timing || {};
  const p = r.project || {};
  const env = r.environment || {};
  const cur = c.currency || "USD";
  const est = t.estimated ? " (estimated)" : "";
  const tags = r.tags && typeof r.tags === "object" ? Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(", ") : null;

  const phaseTotal = PHASES.reduce((a, [k]) => a + ((tm.phases && tm.phases[k]) || 0), 0);
  const phaseRows = PHASES.filter(([k]) => tm.phases && tm.phases[k] > 0)
    .map(([k, label], i) => ({ label, share: tm.phases[k] / phaseTotal, color: i, text: `${duration(tm.phases[k])} · ${pct(tm.phases[k] / phaseTotal)}` }));

  const tokIt = new Map((t.perIteration || []).map((x) => [x.iteration, x]));
  const costIt = new Map((c.perIteration || []).map((x) => [x.iteration, x]));
  const timeIt = new Map((tm.perIteration || []).map((x) => [x.iteration, x]));
  const iters = [...new Set([...tokIt.keys(), ...costIt.keys(), ...timeIt.keys()])].sort((a, b) => a - b);
  const valRuns = (r.validation && r.validation.runs) || [];
  const scope = r.scope || {};
  const files = r.files || {};

  put(el,
    h("p", {}, h("a", { href: "#/runs" }, "← Runs")),
    h("h1", { class: "run-title" }, h("span", { "data-field": "task" }, val(r.taskName || r.taskPath)), " ",
      h("span", { class: "badge " + r.status, "data-field": "status" }, val(r.status))),
    r.taskGoal ? h("p", { class: "goal", "data-field": "goal" }, r.taskGoal) : null,
    reason(r) ? h("p", { class: "reason", role: "note", "data-field": "reason" }, reason(r)) : null,
    h("div", { class: "grid" },
      card("Run", "h-run", dl([
        ["Run id", h("code", {}, val(r.runId)), "runId"],
        ["Started", localTime(tm.startedAt || r.timestamp)],
        ["Completed", tm.completedAt ? localTime(tm.completedAt) : null],
        ["Duration", duration(tm.totalDurationMs), "duration"],
        ["Iterations", r.iterations !== null && r.iterations !== undefined ? `${r.iterations} of ${val(r.maxIterations)}` : null],
        ["Provider", val(r.provider && r.provider.type), "provider"],
        ["Model", val(r.provider && r.provider.model), "model"],
        ["Role", r.roleName || null],
        ["Task file", r.taskPath || null],
        ["Task type", r.taskType || null],
        ["Actor", r.actor || null],
        ["Tags", tags || null],
      ])),
      card("Tokens", "h-tokens", dl([
        ["Input", thousands(t.totalInput) + est, "tokens-input"],
        ["Output", thousands(t.totalOutput) + est, "tokens-output"],
        ["Total", thousands(t.totalTokens) + est, "tokens-total"],
        ["Cache read", thousands(t.cacheRead), "tokens-cacheRead"],
        ["Cache write", thousands(t.cacheWrite), "tokens-cacheWrite"],
        ["With cache", thousands((t.totalTokens || 0) + (t.cacheRead || 0) + (t.cacheWrite || 0)), "tokens-withCache"],
        ["Reasoning", t.reasoning ? thousands(t.reasoning) : null],
        ["Context", t.contextTokens ? thousands(t.contextTokens) : null],
      ])),
      card("Cost", "h-cost", dl([
        ["Cost", c.unpriced || c.estimatedTotal === null || c.estimatedTotal === undefined ? "unpriced" : money(c.estimatedTotal, cur), "cost"],
        ["Source", c.source || null, "cost-source"],
        ["Reported", typeof c.reported === "number" ? money(c.reported, cur) : null],
        ["Computed", typeof c.computed === "number" ? money(c.computed, cur) : null],
        ["Rates per 1M", c.rates ? `input ${val(c.rates.inputPer1M)}, output ${val(c.rates.outputPer1M)}, cache read ${val(c.rates.cacheReadPer1M)}, write ${val(c.rates.cacheWritePer1M)}` : null],
      ])),
      card("Source control and CI", "h-scm", dl([
        ["Project", p.name || null, "project"],
        ["Repository", p.repository ? link(p.repository) : null],
        ["Branch", p.branch || null, "branch"],
        ["Commit", p.commit ? h("code", {}, p.commit) : null, "commit"],
        ["Commit after", p.commitAfter ? h("code", {}, p.commitAfter) : null],
        ["CI", env.ci ? val(env.ciProvider || "yes") : "no", "ci"],
        ["CI build", env.ciBuildUrl ? link(env.ciBuildUrl) : env.ciBuildId || null, "ci-link"],
        ["CI workflow", [env.ciWorkflow, env.ciJob].filter(Boolean).join(" / ") || null],
        ["Host", [env.hostname, env.os, env.arch].filter(Boolean).join(" · ") || null],
      ]))),
    card("Phases", "h-phases", phaseRows.length ? shareBars(phaseRows, "phases") : h("p", { class: "muted" }, "No phase timings.")),
    card("Iterations", "h-iters", iters.length ? table("iterations", [["#"], ["Duration", 1], ["Input", 1], ["Output", 1], ["Cache read", 1], ["Cache write", 1], ["Cost", 1], ["Files", 1]],
      iters.map((i) => {
        const a = tokIt.get(i) || {}, b = costIt.get(i) || {}, d = timeIt.get(i) || {};
        return h("tr", {}, h("td", {}, String(i)), h("td", { class: "num" }, duration(d.durationMs)),
          h("td", { class: "num" }, thousands(a.input)), h("td", { class: "num" }, thousands(a.output)),
          h("td", { class: "num" }, thousands(a.cacheRead)), h("td", { class: "num" }, thousands(a.cacheWrite)),
          h("td", { class: "num" }, typeof b.cost === "number" ? money(b.cost, cur) : "-"),
          h("td", { class: "num" }, thousands(d.filesChanged)));
      })) : h("p", { class: "muted" }, "No per-iteration figures.")),
    card("Files", "h-files", h("div", { class: "grid files3" },
      fileList("created", files.created), fileList("modified", files.modified), fileList("deleted", files.deleted))),
    card("Validation", "h-validation", valRuns.length ? table("validation", [["#"], ["Phase"], ["Command"], ["Result"], ["Exit code", 1], ["Duration", 1]],
      valRuns.map((v) => h("tr", {}, h("td", {}, val(v.iteration)), h("td", {}, val(v.phase)), h("td", {}, h("code", {}, val(v.command))),
        h("td", {}, h("span", { class: "badge " + (v.passed ? "completed" : "failed") }, v.passed ? "passed" : "failed")),
        h("td", { class: "num" }, val(v.exitCode)), h("td", { class: "num" }, duration(v.durationMs)))))
      : h("p", { class: "muted" }, "No validation runs.")),
    card("Scope", "h-scope", dl([
      ["Mode", scope.mode || null],
      ["Violations", thousands(scope.violations || 0), "scope-violations"],
    ]), Array.isArray(scope.blockedFiles) && scope.blockedFiles.length
      ? h("ul", { class: "files", "data-files": "blocked" }, scope.blockedFiles.map((f) => h("li", {}, h("code", {}, String(f))))) : null));
  document.title = `${val(r.taskName || r.runId)} · aidf`;
  document.body.dataset.view = "detail";
}
