// Time to the first useful paint of the dashboard's overview, for
// bench/run-dashboard-bench.sh: loads BASE/ in headless Chromium RUNS times and prints one
// JSON line per load: {"load": i, "figuresMs": <the "aidf:overview-figures" performance
// mark: the summary's figures and tables in the page, ms from navigation start>,
// "overviewMs": <"aidf:overview": the charts too>, "fcpMs": <first-contentful-paint>}. The first load meets a
// server whose /stats answers are not cached yet; later loads a warm server (the browser
// cache is disabled, so every load fetches the page, its files and the API again).
//
// Usage: node dashboard-paint.mjs BASE_URL [RUNS]   Environment: CHROMIUM, AIDF_DASH_TZ.
import puppeteer from "puppeteer-core";

const [base, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 6);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"],
});
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage();
    await page.setCacheEnabled(false);
    await page.emulateTimezone(process.env.AIDF_DASH_TZ || "Europe/Berlin");
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(base + "/", { waitUntil: "load" });
    await page.waitForFunction(() => performance.getEntriesByName("aidf:overview").length > 0, { timeout: 60000 });
    const t = await page.evaluate(() => ({
      overviewMs: performance.getEntriesByName("aidf:overview")[0].startTime,
      figuresMs: performance.getEntriesByName("aidf:overview-figures")[0].startTime,
      fcpMs: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime ?? null,
    }));
    console.log(JSON.stringify({ load: i, ...t }));
    await page.close();
  }
} finally {
  await browser.close();
}
