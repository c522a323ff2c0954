// The fleet placement matrix in a real browser (Debian's Chromium, driven by playwright-core): open the page
// from a file:// URL with every network request refused, click a red cell, see its finding in the details panel,
// filter by host and by rule; save a screenshot.
// usage: NODE_PATH=/var/cache/virtlint-e2e/node_modules node html_report.mjs REPORT.html TEMPLATE HOST EXPECTED [SHOT.png]
import { createRequire } from "module";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const { chromium } = createRequire(process.env.NODE_PATH + "/")("playwright-core");
const [report, template, hostName, expected, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const external = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    external.push(url);
    return route.abort();
  });
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(pathToFileURL(report).href);
  const red = page.locator(`button.cell.red[aria-label^="${template} on ${hostName}:"]`);
  assert.equal(await red.count(), 1, `one red cell for ${template} on ${hostName}`);
  await red.hover();
  assert.match(await red.getAttribute("title"), new RegExp(expected));
  await red.click();
  const details = page.locator("#details");
  await details.waitFor({ state: "visible" });
  const text = await details.innerText();
  assert.match(text, new RegExp(expected), `details panel: ${text}`);
  console.log(`clicked a red cell: ${text.split("\n")[0]}`);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

  // filter by host: the other hosts' columns disappear
  const host = await red.evaluate((b) => b.parentElement.getAttribute("data-host"));
  await page.selectOption("#host-filter", host);
  const visibleHosts = await page.$$eval("thead th[data-host]", (ths) =>
    ths.filter((th) => th.offsetParent !== null).map((th) => th.getAttribute("data-host")));
  assert.deepEqual(visibleHosts, [host]);
  await page.selectOption("#host-filter", "");
  // filter by rule: rows without it disappear
  const code = expected.match(/VL\d+/)[0];
  await page.selectOption("#rule-filter", code);
  const rows = await page.$$eval("tbody tr", (trs) =>
    trs.filter((tr) => tr.offsetParent !== null).map((tr) => tr.getAttribute("data-rules")));
  assert.ok(rows.length > 0 && rows.every((r) => r.split(" ").includes(code)), `rows shown: ${rows}`);
  console.log(`filters: host ${host} leaves one column; rule ${code} leaves ${rows.length} row(s)`);
  assert.deepEqual(external, [], "the page asked the network");
  assert.deepEqual(errors, [], "script errors");
} finally {
  await browser.close();
}
