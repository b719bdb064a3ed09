// The filters: kept in the URL's hash (#/runs?model=gpt-4o&status=failed), so a link
// reproduces the view, and sent to the API under the same names (docs/serve.md, Filters).
// A field may hold several comma-separated values, as the API takes them.

import { h, put } from "./dom.js";

/** The filter parameters, in the order the form shows them. */
export const KEYS = ["since", "until", "status", "project", "actor", "branch", "provider", "model", "task", "tag"];

const LABELS = {
  since: "Since", until: "Until", project: "Project", actor: "Actor", branch: "Branch",
  provider: "Provider", model: "Model", task: "Task", tag: "Tag",
};
const HINTS = {
  since: "7d, 30d, 2026-11-01", until: "2026-11-30", project: "acme/api", actor: "ana",
  branch: "main", provider: "claude-cli", model: "claude-*", task: "*login*", tag: "team:core",
};
const STATUSES = ["completed", "blocked", "failed"];

/** The filters of a URLSearchParams (other keys ignored). */
export function fromParams(params) {
  const f = {};
  for (const k of KEYS) {
    const v = params.getAll(k).filter(Boolean).join(",");
    if (v) f[k] = v;
  }
  return f;
}

/**
 * Render the filter form into `el` with the values of `f`; `onApply(newFilters)` is
 * called on submit. `choices` gives datalist values per key (providers, models).
 */
export function renderForm(el, f, onApply, choices = {}) {
  const fields = [];
  const inputs = {};
  for (const k of KEYS) {
    if (k === "status") {
      const chosen = new Set((f.status || "").split(",").filter(Boolean));
      const boxes = STATUSES.map((st) => {
        const cb = h("input", { type: "checkbox", name: "status", value: st, id: "f-status-" + st, checked: chosen.has(st) });
        return h("label", { class: "check", for: "f-status-" + st }, cb, " " + st);
      });
      fields.push(h("fieldset", { class: "status" }, h("legend", {}, "Status"), boxes));
      continue;
    }
    const listId = choices[k] ? "dl-" + k : null;
    const input = h("input", {
      type: "text", id: "f-" + k, name: k, value: f[k] || "", placeholder: HINTS[k],
      list: listId, autocomplete: "off", spellcheck: "false",
    });
    inputs[k] = input;
    fields.push(h("div", { class: "field" }, h("label", { for: "f-" + k }, LABELS[k]), input,
      listId ? h("datalist", { id: listId }, choices[k].map((v) => h("option", { value: v }))) : null));
  }
  const form = h("form", { class: "filters", "aria-label": "Filters" }, fields,
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "f-apply" }, "Apply"),
      h("button", { type: "button", id: "f-clear", class: "secondary" }, "Clear")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const nf = {};
    for (const [k, input] of Object.entries(inputs)) {
      const v = input.value.split(",").map((x) => x.trim()).filter(Boolean).join(",");
      if (v) nf[k] = v;
    }
    const st = [...form.querySelectorAll("input[name=status]:checked")].map((c) => c.value);
    if (st.length) nf.status = st.join(",");
    onApply(nf);
  });
  form.querySelector("#f-clear").addEventListener("click", () => onApply({}));
  put(el, form);
}
