import { test, expect, Page } from "@playwright/test";
import { hydrated, owner, signInAs } from "./helpers";

// The platform admin (the first-run owner) creates a company whose invited owner takes it over,
// disables it and deletes it; a newcomer signs up a company of their own; the owner uploads a
// company logo.
test.describe.configure({ mode: "serial" });

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

async function signInAsOwner(page: Page) {
  await signInAs(page, owner);
}

test("the platform admin creates a company for its owner, disables it and deletes it", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.getByRole("link", { name: "Platform" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
  await page.getByLabel("Company name").fill("Beta Logistics");
  await page.getByLabel("Owner's email").fill("bea@beta.test");
  await page.getByRole("button", { name: "Create company" }).click();
  const link = await page.getByTestId("owner-link").inputValue();
  const beta = page.getByTestId("company-row").filter({ hasText: "Beta Logistics" });
  await expect(beta).toContainText("bea@beta.test (invited)");

  // The owner accepts and works in the new company.
  const context = await browser.newContext();
  const bea = await context.newPage();
  await bea.goto(link);
  await expect(bea.getByRole("heading", { name: "Join Beta Logistics" })).toBeVisible();
  await bea.getByLabel("Your name").fill("Bea Boss");
  await bea.getByLabel("Password", { exact: true }).fill("beta-boss-2026");
  await bea.getByLabel("Confirm password").fill("beta-boss-2026");
  await bea.getByRole("button", { name: "Accept invitation" }).click();
  await expect(bea).toHaveURL(/\/\?welcome=1$/);
  await expect(bea.getByText("Beta Logistics").first()).toBeVisible();
  await expect(bea.getByRole("link", { name: "Platform" })).toHaveCount(0);
  expect((await bea.goto("/admin"))?.status()).toBe(403);

  // Disabled: her session ends and she cannot sign in.
  await page.reload();
  await hydrated(page);
  await beta.getByRole("button", { name: "Disable Beta Logistics" }).click();
  await expect(beta).toContainText("Disabled");
  await bea.goto("/");
  await expect(bea).toHaveURL(/\/login/);

  // Deleting asks for the password and says so when it is wrong.
  await page.getByLabel("Company", { exact: true }).selectOption({ label: "Beta Logistics" });
  await page.getByLabel("Your password").fill("not-my-password-1");
  await page.getByRole("button", { name: "Delete company" }).click();
  await expect(page.getByText("That is not your password. Nothing was deleted.")).toBeVisible();
  await page.getByLabel("Your password").fill(owner.password);
  await page.getByRole("button", { name: "Delete company" }).click();
  await expect(page.getByText("Company deleted with everything in it.")).toBeVisible();
  await expect(page.getByTestId("company-row").filter({ hasText: "Beta Logistics" })).toHaveCount(0);
  await context.close();
});

test("a newcomer signs up a company of their own from the sign-in page", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByRole("link", { name: "Create a company" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await page.getByLabel("Company name").fill("Gamma Grid");
  await page.getByLabel("Your name").fill("Gus Gamma");
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password", { exact: true }).fill("gamma-grid-2026");
  await page.getByLabel("Confirm password").fill("gamma-grid-2026");
  await page.getByRole("button", { name: "Create company" }).click();
  // An email that already has an account is refused at its field, the rest kept.
  await expect(page.getByText("An account with this email already exists")).toBeVisible();
  await expect(page.getByLabel("Company name")).toHaveValue("Gamma Grid");
  await page.getByLabel("Email").fill("gus@gamma.test");
  await page.getByLabel("Password", { exact: true }).fill("gamma-grid-2026");
  await page.getByLabel("Confirm password").fill("gamma-grid-2026");
  await page.getByRole("button", { name: "Create company" }).click();
  await expect(page).toHaveURL(/\/\?welcome=1$/);
  await expect(page.getByText("Gamma Grid").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Platform" })).toHaveCount(0);
  await context.close();
});

test("the owner uploads a company logo; a file that is not an image is refused", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/settings/company");
  await page.getByLabel("Upload a logo").setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just text") });
  await page.getByRole("button", { name: "Upload logo" }).click();
  await expect(page.getByRole("alert")).toContainText("The logo must be a PNG or JPG image.");
  await expect(page.getByTestId("company-logo")).toHaveCount(0);

  await page.getByLabel("Upload a logo").setInputFiles({ name: "acme.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Upload logo" }).click();
  await expect(page.getByText("Logo updated.")).toBeVisible();
  const logo = page.getByTestId("company-logo");
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);

  await page.getByRole("button", { name: "Remove logo" }).click();
  await expect(page.getByText("Logo removed.")).toBeVisible();
  await expect(page.getByTestId("company-logo")).toHaveCount(0);
});

test("the platform admin backs the installation up now and sees it listed", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/admin");
  await hydrated(page);
  await expect(page.getByTestId("backup-schedule")).toContainText("Daily at 03:00 UTC");
  // The hourly check may have taken the day's backup since the server started: counted first.
  const rows = page.getByTestId("backup-row");
  await expect(async () => {
    await page.reload();
    await expect(rows.filter({ hasText: "running" })).toHaveCount(0, { timeout: 500 });
  }).toPass({ timeout: 30_000 });
  const before = await rows.count();
  await hydrated(page);
  await page.getByRole("button", { name: "Back up now" }).click();
  await expect(page.getByTestId("backup-result")).toHaveText("Backup queued: it appears below when it is done.");
  // The job runner takes it: listed with its size.
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(before + 1, { timeout: 500 });
    await expect(rows.first()).toContainText(/\d+\.\d (kB|MB)/, { timeout: 500 });
  }).toPass({ timeout: 30_000 });
});

test("the platform admin follows the background jobs, retries a dead one and discards it", async ({ page, request, baseURL }) => {
  await signInAsOwner(page);
  // Server-rendered: the table per kind is there before any script runs.
  await page.goto("/admin/jobs");
  await expect(page.getByRole("heading", { name: "Per kind" })).toBeVisible();
  // The backup of the test before finished: counted, with how long it waited and ran.
  const backup = page.locator('[data-testid="job-kind"][data-kind="backup"]');
  await expect(backup.getByTestId("done")).not.toHaveText("0");
  await expect(backup).toContainText(/\d+(\.\d)? (ms|s) · \d+(\.\d)? (ms|s)/);

  // A job of a kind nobody handles dies at its one attempt (as a removed kind's would).
  const queued = await request.post(`${baseURL}/_test/failing-job`, { headers: { origin: baseURL! } });
  expect(queued.ok()).toBeTruthy();
  const kind = page.locator('[data-testid="job-kind"][data-kind="test-hook-fails"]');
  const row = page.getByTestId("job-row").filter({ hasText: "test-hook-fails" });
  await expect(async () => {
    await page.goto("/admin/jobs?state=dead");
    await expect(row).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  await expect(kind).toContainText("no handler");
  await expect(kind.getByTestId("dead")).toHaveText("1");
  await expect(row.getByTestId("job-error")).toContainText("no handler for job kind `test-hook-fails`");
  await expect(row).toContainText("attempt 1 of 1");

  // Retry now: queued again, due at once; the runner takes it and it dies again.
  await hydrated(page);
  await row.getByRole("button", { name: /^Retry job/ }).click();
  await expect(page.getByText(/is queued again, due now\./)).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(row).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 20_000 });

  // Discard: off the list, and the audit log says who did it.
  await hydrated(page);
  await row.getByRole("button", { name: /^Discard job/ }).click();
  await expect(page.getByText(/discarded\./)).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId("no-jobs")).toHaveText("No dead job.");
  await page.goto("/audit");
  await expect(page.locator("td").getByText("JOB_DISCARDED").first()).toBeVisible();
});
