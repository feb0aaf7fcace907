import { test, expect, Page, Browser } from "@playwright/test";
import { owner, signInAs, hydrated, invite, accept, confirmAction } from "./helpers";

// Analyses with no AI key configured: the local extractor reads the PDF's text layer.
// The report PDF is printed by Chromium itself from HTML, so it has a real text layer with Ω.

const viewer = { name: "Vera Viewer", email: "vera@example.com", password: "viewer-pass-2026" };

function reportPages(groundOhms: string): string[] {
  return [
    `<h1>Grounding system test report</h1>
    <p>Equipment tag: GND-GRID-01</p>
    <p>Location: Substation B, yard</p>
    <p>Test date: 14/03/2026</p>
    <p>Instrument: Megger DET4TC2, S/N 101234567</p>
    <p>Ground resistance: ${groundOhms} Ω</p>
    <p>Photo watermark: yes</p>
    <p>Technician signature: J. Smith</p>`,
    `<h1>Calibration certificate</h1>
    <p>Certificate no.: CAL-88231</p>
    <p>Instrument serial: 101234567</p>
    <p>Calibration date: 2025-01-31</p>
    <p>Calibration due: 2026-01-31</p>`,
  ];
}

async function reportPdf(browser: Browser, groundOhms: string): Promise<Buffer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.setContent(`<!doctype html><html><body style="font-family: sans-serif; font-size: 13px">
    ${reportPages(groundOhms).join('<div style="page-break-before: always"></div>')}
  </body></html>`);
  const pdf = await page.pdf({ format: "A4" });
  await context.close();
  return pdf;
}

// The same report as a scanner gives it: each page a picture (taken by Chromium), the PDF
// around them without any text layer, so only OCR can read it.
async function scannedPdf(browser: Browser, groundOhms: string): Promise<Buffer> {
  const context = await browser.newContext({ viewport: { width: 794, height: 1123 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const shots: string[] = [];
  for (const html of reportPages(groundOhms)) {
    await page.setContent(`<!doctype html><html><body style="margin: 56px; font-family: sans-serif; font-size: 15px; background: #fff">${html}</body></html>`);
    shots.push((await page.screenshot({ type: "png" })).toString("base64"));
  }
  await page.setContent(`<!doctype html><html><head><style>
      @page { size: A4; margin: 0 } body { margin: 0 }
      img { display: block; width: 210mm; height: 296mm } img + img { break-before: page }
    </style></head><body>${shots.map((s) => `<img src="data:image/png;base64,${s}">`).join("")}</body></html>`);
  const pdf = await page.pdf({ format: "A4", margin: { top: "0", right: "0", bottom: "0", left: "0" } });
  await context.close();
  return pdf;
}

async function grantTokens(page: Page, tokens: string) {
  await page.goto("/admin");
  await hydrated(page);
  await page.getByLabel("Grant to").selectOption({ label: "Acme Electric" });
  await page.getByLabel("Tokens").fill(tokens);
  await page.getByLabel("Reason").fill("analyses e2e");
  await page.getByRole("button", { name: "Grant tokens" }).click();
  await expect(page.getByTestId("grant-result")).toBeVisible();
}

async function correct(page: Page, field: string, value: string) {
  const row = page.locator(`[data-testid="field-row"][data-field="${field}"]`);
  await row.getByText("Correct").click();
  await row.getByRole("textbox").fill(value);
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.locator("td").nth(1)).toContainText(value);
}

test("a grounding report is rejected, corrected, re-analysed and exported", async ({ page, browser }) => {
  await signInAs(page, owner);
  await grantTokens(page, "50000");

  await page.goto("/analyses/new");
  await hydrated(page);
  await page.getByLabel("Test type").selectOption("grounding");
  await page.getByTestId("file-input").setInputFiles({
    name: "GR-031 grounding.pdf",
    mimeType: "application/pdf",
    buffer: await reportPdf(browser, "7.4"),
  });
  await expect(page.getByTestId("estimate")).toContainText("estimate 1,000 tokens");
  await page.getByRole("button", { name: "Start analysis" }).click();
  await expect(page).toHaveURL(/\/analyses\/[0-9a-f-]{36}$/);
  // Mark this document: if the page reloaded, the mark would be gone.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await expect(page.getByTestId("verdict").first()).toHaveText("REJECTED", { timeout: 20_000 });
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(page.getByTestId("status")).toHaveText("COMPLETED");
  const codes = page.getByTestId("finding-code");
  await expect(codes).toHaveText(["GND-001", "GND-002"]);
  const findings = page.getByTestId("finding");
  await expect(findings.nth(0)).toContainText("Ground resistance 7.4 Ω (page 1, text layer) exceeds the NETA ATS-2021 limit of 5 Ω");
  await expect(findings.nth(1)).toContainText("The calibration expired on 2026-01-31 (page 2, text layer), before the test on 2026-03-14");
  await expect(page.getByTestId("tokens-charged")).toHaveText("500");
  await expect(page.getByRole("img", { name: /Page 1 of GR-031/ })).toBeVisible();

  // A reviewer corrects the two readings: the rules run again and the verdict follows.
  await correct(page, "ground_resistance", "4.2");
  await expect(codes).toHaveText(["GND-002"]);
  await correct(page, "certificate.expiry_date", "2026-12-31");
  await expect(page.getByTestId("verdict").first()).toHaveText("APPROVED");
  await expect(page.getByTestId("corrections")).toContainText("Ground resistance (Ω): 7.4 → 4.2");

  // Export CSV.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "CSV" }).click();
  const csv = await (await download).path();
  const text = require("node:fs").readFileSync(csv, "utf8");
  expect(text).toContain("summary,GR-031 grounding.pdf,APPROVED");
  expect(text).toContain("field,ground_resistance,4.2,Ω,1.0,reviewer");

  // The PDF report.
  const pdfDownload = page.waitForEvent("download");
  await page.getByRole("button", { name: "PDF" }).click();
  const report = await pdfDownload;
  expect(report.suggestedFilename()).toBe("analysis-GR-031 grounding-v1.pdf");
  const head = require("node:fs").readFileSync(await report.path()).subarray(0, 8).toString("latin1");
  expect(head).toBe("%PDF-1.5");

  // Re-analyse: a new version read from the file again, showing what changed.
  const v1 = page.url();
  await page.getByRole("button", { name: "Re-analyse" }).click();
  await expect(page).not.toHaveURL(v1);
  await expect(page.getByTestId("verdict").first()).toHaveText("REJECTED", { timeout: 20_000 });
  const diff = page.getByTestId("diff");
  await expect(diff).toContainText("What changed since version 1");
  await expect(diff).toContainText("Verdict: APPROVED → REJECTED");
  await expect(diff).toContainText("Ground resistance (Ω): 4.2 → 7.4");
  await expect(diff).toContainText("+ GND-001 Ground resistance above the limit");

  // History lists both versions; filters live in the URL.
  await page.goto("/analyses?verdict=REJECTED");
  await expect(page.getByTestId("analysis-row")).toHaveCount(1);
  await page.goto("/analyses");
  await expect(page.getByTestId("analysis-row")).toHaveCount(2);
});

test("a scanned grounding report, pictures only, gets its verdict without an AI key", async ({ page, browser }) => {
  await signInAs(page, owner);
  await grantTokens(page, "50000");
  const scan = await scannedPdf(browser, "7.4");
  expect(scan.toString("latin1")).not.toContain("/Font");

  await page.goto("/analyses/new");
  await hydrated(page);
  await page.getByLabel("Test type").selectOption("grounding");
  await page.getByTestId("file-input").setInputFiles({ name: "GR-044 scanned.pdf", mimeType: "application/pdf", buffer: scan });
  await page.getByRole("button", { name: "Start analysis" }).click();
  await expect(page).toHaveURL(/\/analyses\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("verdict").first()).toHaveText("REJECTED", { timeout: 60_000 });
  // Read from the pixels: the finding says so, and OCR'd values always ask for a review.
  const ground = page.getByTestId("finding").filter({ hasText: "GND-001" });
  await expect(ground).toContainText("Ground resistance 7.4 Ω (page 1, OCR) exceeds");
  await expect(page.getByText(/read with confidence 0\.7/).first()).toBeVisible();
  await expect(page.getByText("Pages 1, 2 have no text layer (a scan)", { exact: false })).toBeVisible();
});

test("the upload form works without JavaScript and refuses a renamed program", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.goto("/analyses/new");
  await page.getByLabel("Test type").selectOption("grounding");
  await page.getByTestId("file-input").setInputFiles({
    name: "not-a-report.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("\x7fELF\x02\x01\x01\x00 pretending", "binary"),
  });
  await page.getByRole("button", { name: "Start analysis" }).click();
  await expect(page).toHaveURL(/\/analyses\/new$/);
  await expect(page.getByRole("alert")).toContainText("This file is a Linux program, whatever its name says.");

  await page.getByLabel("Test type").selectOption("grounding");
  await page.getByTestId("file-input").setInputFiles({
    name: "plain-form.pdf",
    mimeType: "application/pdf",
    buffer: await reportPdf(browser, "3.1"),
  });
  await page.getByRole("button", { name: "Start analysis" }).click();
  await expect(page).toHaveURL(/\/analyses\/[0-9a-f-]{36}$/);
  // Without script the page refreshes itself (meta refresh) until the verdict is there.
  await expect(page.getByTestId("verdict").first()).toHaveText("REJECTED", { timeout: 20_000 });
  await expect(page.getByTestId("finding-code")).toHaveText(["GND-002"]);
  await context.close();
});

test("a viewer reads analyses but cannot upload", async ({ page, browser }) => {
  await signInAs(page, owner);
  const link = await invite(page, viewer.email, "viewer", []);
  const { context, page: v } = await accept(browser, link, viewer);
  await v.goto("/analyses");
  await hydrated(v);
  await expect(v.getByTestId("analysis-row").first()).toBeVisible();
  await expect(v.getByTestId("new-analysis")).toHaveCount(0);
  const res = await v.goto("/analyses/new");
  expect(res?.status()).toBe(403);
  const fn = await v.request.post("/api/upload_info", { headers: { origin: new URL(v.url()).origin } });
  expect(fn.status()).toBe(403);
  const upload = await v.request.post("/analyses/upload", {
    headers: { origin: new URL(v.url()).origin, accept: "application/json" },
    multipart: { test_type: "grounding", file: { name: "x.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4") } },
  });
  expect(upload.status()).toBe(403);
  await context.close();
});

test("a company AI key is saved encrypted, shown as a hint and removed", async ({ page }) => {
  await signInAs(page, owner);
  await page.goto("/settings/integrations");
  await hydrated(page);
  await expect(page.getByText("Analyses use the local text reader")).toBeVisible();
  await page.getByLabel("Provider").selectOption("anthropic");
  await page.getByLabel("API key").fill("not-a-key");
  await page.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("That does not look like an Anthropic Claude API key")).toBeVisible();
  await page.getByLabel("API key").fill("sk-ant-e2e-company-key-0000004242");
  await page.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByTestId("ai-key")).toContainText("Anthropic Claude · key …4242");
  await expect(page.getByTestId("ai-key")).toContainText("claude-sonnet-4-20250514");
  await expect(page.locator("body")).not.toContainText("sk-ant-e2e-company-key");
  // Removed again, so later analyses of this installation stay on the local reader.
  await confirmAction(page, "Remove the Anthropic Claude key");
  await expect(page.getByTestId("ai-key")).toHaveCount(0);
});

test("the company sets its own analysis limits", async ({ page }) => {
  await signInAs(page, owner);
  await page.goto("/settings/company");
  await hydrated(page);
  const ground = page.getByLabel("Highest earth resistance, Ω (GND-001)");
  await expect(ground).toHaveAttribute("placeholder", "5");
  await ground.fill("-3");
  await page.getByRole("button", { name: "Save limits" }).click();
  await expect(page.getByText("Highest earth resistance, Ω (GND-001): a number from 0.01 to 100.")).toBeVisible();
  await ground.fill("8");
  await page.getByRole("button", { name: "Save limits" }).click();
  await expect(page.getByText("Analysis limits saved. New analyses use them.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Highest earth resistance, Ω (GND-001)")).toHaveValue("8");
  // Back to the standard's value for the suites that follow.
  await page.getByLabel("Highest earth resistance, Ω (GND-001)").fill("");
  await page.getByRole("button", { name: "Save limits" }).click();
  await expect(page.getByText("Analysis limits saved. New analyses use them.")).toBeVisible();
});
