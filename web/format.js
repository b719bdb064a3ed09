// Numbers, money, durations and times, formatted as the CLI formats them (cli/term.c:
// term_thousands, term_money_in, term_pct; lib/base/timeutil.c: aidf_format_duration), so
// the dashboard and `aidf report summary` print the same strings.

/** 1234567 -> "1,234,567" (integers; a fraction is rounded). */
export function thousands(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  const neg = n < 0;
  const digits = String(Math.round(Math.abs(n)));
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return (neg ? "-" : "") + out;
}

/** term_money: "$0.1234" under 100, "$1,234.56" from 100 on. */
function dollars(v) {
  if (!Number.isFinite(v) || Math.abs(v) >= 1e15) return "$" + v.toExponential(2);
  const sign = v < 0 ? "-" : "";
  const a = Math.abs(v);
  if (a < 100 && Math.round(a * 10000) / 10000 < 100) return sign + "$" + a.toFixed(4);
  const cents = Math.round(a * 100);
  const c = String(cents % 100).padStart(2, "0");
  return sign + "$" + thousands(Math.floor(cents / 100)) + "." + c;
}

/** term_money_in: "$1.2345" in USD, "1.2345 EUR" in another currency. */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return "unpriced";
  const d = dollars(amount);
  if (!currency || currency === "USD") return d;
  return d.replace("$", "") + " " + currency;
}

/** aidf_format_duration: "850ms", "12.3s", "4m 05s", "2h 07m". */
export function duration(ms) {
  if (!(ms >= 0)) return "-";
  if (ms < 1000) return ms.toFixed(0) + "ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
  if (ms < 3600000) {
    const s = Math.trunc(ms / 1000);
    return Math.trunc(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
  }
  const m = Math.trunc(ms / 60000);
  return Math.trunc(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
}

/** term_pct of a share 0..1: "<1%" for a sliver, else whole percent. */
export function pct(share) {
  const p = share > 0 ? share * 100 : 0;
  if (p > 0 && p < 1) return "<1%";
  return p.toFixed(0) + "%";
}

/** The summary's success rate: one decimal ("73.8%"), "-" without runs. */
export function rate(share) {
  return share === null || share === undefined ? "-" : (share * 100).toFixed(1) + "%";
}

const two = (n) => String(n).padStart(2, "0");

/** An ISO timestamp in the browser's zone: "2026-11-03 14:05". */
export function localTime(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The browser's IANA zone ("Europe/Berlin"), "UTC" when it has none. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
