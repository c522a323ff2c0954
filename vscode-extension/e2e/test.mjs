// The real-editor test: code-server (VS Code 1.139) in Debian's Chromium, driven by playwright-core.
// Asserts an error squiggle on the expected line, the hover text of the finding, the Problems panel
// entry, and that the offered quick fix removes the squiggle. Saves screenshots.
import { createRequire } from "module";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";

const { chromium } = createRequire(process.env.NODE_PATH + "/")("playwright-core");
const url = process.env.VIRTLINT_E2E_URL;
const out = process.env.VIRTLINT_E2E_OUT;
const scenario = process.env.VIRTLINT_E2E_SCENARIO || "main";
const EXPECTED_LINE = 10; // <target dev='sdc' bus='ide'/> in e2e/vm.xml

/** The notification a scenario expects, with its button to the settings, which must open them. */
async function notification(page, name) {
  const expected = {
    "no-server": /language server could not start/,
    "no-caps": /no host capabilities configured/,
  }[name];
  // a toast, or (when it came while the page had no focus) an entry in the notification center
  const items = ".notification-toast .notification-list-item, .notifications-center .notification-list-item";
  const shown = async () => (await page.$$eval(items, (xs) => xs.map((x) => x.innerText))).find((t) => expected.test(t));
  let text;
  for (let attempt = 0; attempt < 30 && !text; attempt += 1) {
    text = await shown();
    if (!text) {
      await page.keyboard.press("Control+Shift+P");
      await page.waitForSelector(".quick-input-widget input", { timeout: 10000 });
      await page.keyboard.type("Notifications: Show Notifications");
      await page.waitForSelector(".quick-input-list .monaco-list-row", { timeout: 10000 }).catch(() => null);
      await page.keyboard.press("Enter");
      await page.waitForTimeout(2000);
      text = await shown();
    }
  }
  assert.ok(text, `no notification matching ${expected}`);
  step(`${name}: notification "${text.match(expected)[0]}" with an Open Settings button`);
  if (name === "no-server") {
    // one notification, ours, that says how to install; not a second one from the language client library
    const texts = new Set((await page.$$eval(items, (xs) => xs.map((x) => x.innerText)))
      .filter((t) => /virtlint/i.test(t)).map((t) => t.split("\n")[0]));
    assert.equal(texts.size, 1, `expected one virtlint notification, saw: ${[...texts].join(" | ")}`);
    assert.match(text, /pip install \./);
    step("no-server: exactly one notification, with install instructions that work");
  }
  await page.screenshot({ path: path.join(out, `vscode-${name}.png`) });
  const button = await page.waitForSelector(`${items.split(", ").map((s) => `${s} .monaco-button:text('Open Settings')`).join(", ")}`,
                                            { timeout: 10000 });
  await button.click();
  await page.waitForSelector(".settings-editor", { timeout: 20000 });
  step(`${name}: "Open Settings" opens the settings`);
}

/** The main scenario: squiggle on the expected line, hover, Problems panel, quick fix. */
async function squiggleHoverProblemsQuickFix(page) {
  // 1. an error squiggle, on the expected line
  const squiggle = await page.waitForSelector(".squiggly-error", { timeout: 90000 });
  const box = await squiggle.boundingBox();
  const line = await page.evaluate((y) => {
    for (const number of document.querySelectorAll(".margin-view-overlays .line-numbers")) {
      const r = number.getBoundingClientRect();
      if (y >= r.top - 1 && y <= r.bottom + 1) return Number(number.textContent.trim());
    }
    return -1;
  }, box.y + box.height / 2);
  assert.equal(line, EXPECTED_LINE, `squiggle on line ${line}`);
  step(`error squiggle on line ${line}`);

  // 2. the hover shows the finding
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hover = await page.waitForSelector(".monaco-hover:not(.hidden)", { timeout: 20000 });
  await page.waitForTimeout(800);
  const hoverText = await hover.innerText();
  assert.match(hoverText, /disk bus 'ide' is not supported by these capabilities/);
  assert.match(hoverText, /supported: fdc, scsi, virtio, usb, sata/);
  step("hover: " + hoverText.split("\n")[0].slice(0, 100));
  await page.screenshot({ path: path.join(out, "vscode-squiggle.png") });

  // 3. the Problems panel lists it
  await page.mouse.move(10, 10);
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Shift+M");
  const panel = await page.waitForSelector(".markers-panel", { timeout: 20000 });
  await page.waitForTimeout(1500);
  const problems = await panel.innerText();
  assert.match(problems, /vm\.xml/);
  assert.match(problems, /disk bus 'ide'/);
  assert.match(problems, /VL302/);
  step("Problems panel: " + problems.replace(/\n/g, " | ").slice(0, 140));
  await page.screenshot({ path: path.join(out, "vscode-problems.png") });

  // 4. the quick fix removes the squiggle
  await page.mouse.click(box.x + 2, box.y + box.height / 2);
  await page.waitForTimeout(500);
  await page.keyboard.press("Control+.");
  const menu = await page.waitForSelector(".action-widget, .context-view .monaco-list", { timeout: 20000 });
  const menuText = await menu.innerText();
  assert.match(menuText, /Set bus='sata' \(VL302\)/);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".squiggly-error", { state: "detached", timeout: 30000 });
  const lineText = await page.evaluate(() => {
    const lines = [...document.querySelectorAll(".view-lines .view-line")];
    // Monaco renders spaces as no-break spaces
    return lines.map((l) => l.textContent.replace(/\u00a0/g, " ")).find((t) => t.includes("target dev")) || "";
  });
  assert.match(lineText, /bus='sata'/);
  step("quick fix applied: " + lineText.trim());
  await page.screenshot({ path: path.join(out, "vscode-fixed.png") });

  // 5. quick restarts never leave two servers (each would publish its own diagnostics)
  await page.keyboard.press("Control+Z");
  await page.waitForSelector(".squiggly-error", { timeout: 30000 });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    await page.keyboard.press("Control+Shift+P");
    await page.waitForSelector(".quick-input-widget input", { timeout: 10000 });
    await page.keyboard.type("virtlint: Restart server");
    await page.waitForSelector(".quick-input-list .monaco-list-row", { timeout: 10000 });
    await page.keyboard.press("Enter");
  }
  await page.waitForTimeout(8000);
  const servers = serverProcesses();
  assert.equal(servers, 1, `${servers} language servers running after three quick restarts`);
  await page.waitForSelector(".squiggly-error", { timeout: 30000 });
  await page.keyboard.press("Control+Shift+M");
  await page.waitForTimeout(1500);
  const entries = await page.$$eval(".markers-panel .monaco-list-row", (rows) =>
    rows.map((r) => r.innerText).filter((t) => /VL302/.test(t)));
  assert.equal(entries.length, 1, `VL302 listed ${entries.length} times`);
  step("three quick restarts: one server, one VL302 in Problems");
}

/** Caps configured only in pyproject.toml: the file is checked, and no "no capabilities" notification. */
async function configuredByPyproject(page) {
  await page.waitForSelector(".squiggly-error", { timeout: 90000 });
  step("pyproject: [tool.virtlint] caps are used (an error squiggle)");
  await page.waitForTimeout(3000);
  const items = ".notification-toast .notification-list-item, .notifications-center .notification-list-item";
  const texts = await page.$$eval(items, (xs) => xs.map((x) => x.innerText));
  assert.ok(!texts.some((t) => /no host capabilities configured/.test(t)), `unexpected notification: ${texts}`);
  step("pyproject: no notification that capabilities are missing");
}

/** How many `PYTHON -m virtlint lsp` processes of this test run. */
function serverProcesses() {
  try {
    const lines = execFileSync("pgrep", ["-f", "-a", "--", `${process.env.VIRTLINT_E2E_PYTHON} -m virtlint lsp`],
                               { encoding: "utf8" });
    return lines.split("\n").filter((l) => l.trim()).length;
  } catch {
    return 0;  // pgrep exits 1 when nothing matches
  }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"],
});
let passed = 0;
const step = (name) => { passed += 1; console.log(`ok ${passed} - ${name}`); };
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
try {
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(".monaco-workbench", { timeout: 90000 });
  await page.waitForTimeout(3000);
  // open vm.xml with Quick Open, once its result is listed (retried: the workbench may still be loading)
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget input", { timeout: 20000 });
    await page.keyboard.type("vm.xml");
    const row = await page.waitForSelector(".quick-input-list .monaco-list-row", { timeout: 20000 }).catch(() => null);
    if (row) {
      await page.keyboard.press("Enter");
      const tab = await page.waitForSelector(".tab .label-name:text('vm.xml')", { timeout: 10000 }).catch(() => null);
      if (tab) break;
    }
    await page.keyboard.press("Escape");
    await page.waitForTimeout(1000);
  }

  if (scenario === "main") {
    await squiggleHoverProblemsQuickFix(page);
  } else if (scenario === "pyproject") {
    await configuredByPyproject(page);
  } else {
    await notification(page, scenario);
  }
  console.log(`1..${passed}`);
} catch (error) {
  await page.screenshot({ path: path.join(out, `vscode-failure-${scenario}.png`) }).catch(() => {});
  console.log(`not ok ${passed + 1} - ${error.message.split("\n")[0]}`);
  throw error;
} finally {
  await browser.close();
}
