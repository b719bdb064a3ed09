// Plain SVG charts: stacked bars over periods, and horizontal share bars. The colours
// are CSS classes (.c0 .. .c9 in app.css), so light and dark mode restyle them.

import { h, s } from "./dom.js";

const W = 720, H = 240, PAD_L = 64, PAD_B = 28, PAD_T = 10, PAD_R = 8;

/** "2026-11-03" -> the next day's string (UTC arithmetic on the date only). */
function nextDay(p) {
  const d = new Date(p + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Every day from the first to the last of `days` (sorted "YYYY-MM-DD" strings), gaps filled. */
export function dayRange(days) {
  if (!days.length) return [];
  const out = [];
  const last = days[days.length - 1];
  for (let p = days[0]; p <= last && out.length < 5000; p = nextDay(p)) out.push(p);
  return out;
}

/** The axis maximum: `v` rounded up to 1, 2 or 5 times a power of ten (0 stays 0). */
export function niceMax(v) {
  if (!(v > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * A stacked bar chart: `periods` along x, one stack segment per series
 * ({name, values[period index]}); `fmt` formats a value for the tooltips, `axisFmt` (default
 * `fmt`) for the axis, whose top is the largest stack rounded up (niceMax).
 * Returns a <figure> with the SVG (one <g class="series"> per series, data-series = its
 * name) and a legend.
 */
export function stackedBars({ title, periods, series, fmt, axisFmt = fmt }) {
  const totals = periods.map((_, i) => series.reduce((a, sr) => a + (sr.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD_L - PAD_R, plotH = H - PAD_T - PAD_B;
  const step = periods.length ? plotW / periods.length : plotW;
  const barW = Math.max(1, step * 0.8);
  const y = (v) => (max > 0 ? (v / max) * plotH : 0);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" },
    s("title", {}, title));
  // Axis: the maximum, half of it and zero, with grid lines.
  for (const f of [0, 0.5, 1]) {
    const yy = PAD_T + plotH - f * plotH;
    svg.appendChild(s("line", { x1: PAD_L, x2: W - PAD_R, y1: yy, y2: yy, class: "grid" }));
    svg.appendChild(s("text", { x: PAD_L - 6, y: yy + 4, class: "axis", "text-anchor": "end" }, axisFmt(max * f)));
  }
  const base = periods.map(() => 0);
  series.forEach((sr, k) => {
    const g = s("g", { class: `series c${k % 10}`, "data-series": sr.name });
    periods.forEach((p, i) => {
      const v = sr.values[i] || 0;
      if (!(v > 0)) return;
      const hgt = y(v);
      const x = PAD_L + i * step + (step - barW) / 2;
      const yy = PAD_T + plotH - y(base[i]) - hgt;
      base[i] += v;
      g.appendChild(s("rect", { x: x.toFixed(2), y: yy.toFixed(2), width: barW.toFixed(2), height: Math.max(0.5, hgt).toFixed(2) },
        s("title", {}, `${p} · ${sr.name}: ${fmt(v)}`)));
    });
    svg.appendChild(g);
  });
  // A few period labels: the first, the last and about six between.
  const every = Math.max(1, Math.ceil(periods.length / 7));
  periods.forEach((p, i) => {
    if (i % every !== 0 && i !== periods.length - 1) return;
    if (i === periods.length - 1 && i % every !== 0 && (i % every) < every / 2) return;
    svg.appendChild(s("text", { x: PAD_L + i * step + step / 2, y: H - 8, class: "axis", "text-anchor": "middle" }, p.slice(5)));
  });
  const legend = h("ul", { class: "legend" },
    series.map((sr, k) => h("li", { "data-series": sr.name }, h("span", { class: `swatch c${k % 10}`, "aria-hidden": "true" }), sr.name)));
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), svg, legend);
}

/**
 * Horizontal share bars: rows of {label, share (0..1), text}. Each bar is an SVG rect so
 * no inline style is needed.
 */
export function shareBars(rows, cls = "") {
  return h("ul", { class: "shares " + cls },
    rows.map((r, k) => h("li", {},
      h("span", { class: "share-label" }, r.label),
      s("svg", { viewBox: "0 0 100 8", preserveAspectRatio: "none", class: "share-bar", "aria-hidden": "true" },
        s("rect", { x: 0, y: 0, width: 100, height: 8, class: "track" }),
        s("rect", { x: 0, y: 0, width: Math.max(0, Math.min(1, r.share || 0)) * 100, height: 8, class: `c${(r.color ?? k) % 10}` })),
      h("span", { class: "share-text" }, r.text))));
}
