// web/format.js against the CLI's formats (cli/term.c term_thousands, term_money_in,
// term_pct; lib/base/timeutil.c aidf_format_duration), at their edges. Prints TAP lines.
// Usage: node format-test.mjs <path of web/format.js>
import { pathToFileURL } from "node:url";

const f = await import(pathToFileURL(process.argv[2]).href);
const cases = [
  ["thousands(0)", f.thousands(0), "0"],
  ["thousands(999)", f.thousands(999), "999"],
  ["thousands(1000)", f.thousands(1000), "1,000"],
  ["thousands(-1234567)", f.thousands(-1234567), "-1,234,567"],
  ["thousands(null)", f.thousands(null), "-"],
  ["money(0)", f.money(0), "$0.0000"],
  ["money(0.123456)", f.money(0.123456), "$0.1235"],
  ["money(99.9999)", f.money(99.9999), "$99.9999"],
  ["money(99.99996) rounds to the 100 format", f.money(99.99996), "$100.00"],
  ["money(1234.5)", f.money(1234.5), "$1,234.50"],
  ["money(488.324378)", f.money(488.324378), "$488.32"],
  ["money(-2.5)", f.money(-2.5), "-$2.5000"],
  ["money(2.5, EUR)", f.money(2.5, "EUR"), "2.5000 EUR"],
  ["money(1234.5, EUR)", f.money(1234.5, "EUR"), "1,234.50 EUR"],
  ["money(1, USD)", f.money(1, "USD"), "$1.0000"],
  ["money(null)", f.money(null), "unpriced"],
  ["duration(0)", f.duration(0), "0ms"],
  ["duration(999.4)", f.duration(999.4), "999ms"],
  ["duration(1000)", f.duration(1000), "1.0s"],
  ["duration(59999)", f.duration(59999), "60.0s"],
  ["duration(60000)", f.duration(60000), "1m 00s"],
  ["duration(585475.3)", f.duration(585475.3), "9m 45s"],
  ["duration(3599999)", f.duration(3599999), "59m 59s"],
  ["duration(3600000)", f.duration(3600000), "1h 00m"],
  ["duration(1170950533)", f.duration(1170950533), "325h 15m"],
  ["duration(-1)", f.duration(-1), "-"],
  ["pct(0)", f.pct(0), "0%"],
  ["pct(0.004)", f.pct(0.004), "<1%"],
  ["pct(0.8771)", f.pct(0.8771), "88%"],
  ["rate(0.7375)", f.rate(0.7375), "73.8%"],
  ["rate(null)", f.rate(null), "-"],
];
let bad = 0;
for (const [name, got, want] of cases) {
  if (got === want) console.log(`ok - format.js ${name} = ${want}`);
  else {
    bad++;
    console.log(`not ok - format.js ${name} = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}
process.exit(bad ? 1 : 0);
