// The dashboard against `aidf serve --auth-reads`, for tests/e2e/t190-dashboard.sh: the page
// loads without a token, asks for one when the API answers 401, and with it shows the
// overview; the token is kept for the tab (a reload needs no second prompt) and sent as
// `Authorization: Bearer`. Prints one TAP line per check.
//
// Usage: node dashboard-auth.mjs BASE_URL TOKEN OUT_DIR
import path from "node:path";
import puppeteer from "puppeteer-core";

const [base, token, outDir] = process.argv.slice(2);
let failed = 0;
function check(name, cond, detail) {
  if (cond) console.log("ok - " + name);
  else {
    failed++;
    console.log("not ok - " + name);
    if (detail !== undefined) console.log("#   " + JSON.stringify(detail).slice(0, 600));
  }
}
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"],
});
const statuses = [], auths = [], errors = [];
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().includes("/assets/") && new URL(r.url()).pathname !== "/") auths.push(r.headers().authorization || ""); });
  page.on("response", (r) => statuses.push(r.status()));
  await page.goto(base + "/", { waitUntil: "load" });
  await page.waitForSelector("#token", { timeout: 15000 });
  check("--auth-reads: the page loads and asks for the token", true);
  await page.screenshot({ path: path.join(outDir, "token-form.png") });
  await page.type("#token", token);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.body.dataset.view === "overview", { timeout: 20000 });
  const runs = await page.$eval('[data-fig="runs"] .fig-value', (e) => e.dataset.value);
  check("--auth-reads: with the token the overview shows the runs", Number(runs) > 0, runs);
  check("--auth-reads: requests after the form carry Authorization: Bearer", auths.filter(Boolean).length >= 3 &&
    auths.filter(Boolean).every((a) => a === "Bearer " + token), auths);
  const before = statuses.filter((s) => s === 401).length;
  await page.reload({ waitUntil: "load" });
  await page.waitForFunction(() => document.body.dataset.view === "overview", { timeout: 20000 });
  check("--auth-reads: a reload of the tab needs no second prompt (no new 401)", statuses.filter((s) => s === 401).length === before, statuses);
  const stored = await page.evaluate(() => ({ session: sessionStorage.getItem("aidf.token"), local: localStorage.length }));
  check("--auth-reads: the token is kept in sessionStorage only", stored.session === token && stored.local === 0, stored);
} catch (e) {
  check("the --auth-reads browser session ran to the end", false, String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
check("--auth-reads: no uncaught exception", errors.length === 0, errors);
process.exit(failed ? 1 : 0);
