import { test, expect, Page } from "@playwright/test";
import { accept, hydrated, invite, owner, signInAs } from "./helpers";

// Billing: an owner buys a token pack through the Stripe Checkout stand-in (stripe-standin/)
// and the webhook credits it; cancelling changes nothing; a manager (billing.read only) sees
// no Buy button and is refused by the server function. Sets the installation up when run alone;
// named to run after the other suites (foundation.spec.ts expects a fresh installation).
test.describe.configure({ mode: "serial" });

const manager = { name: "Mia Manager", email: "mia@example.com", password: "budget-line-2026" };

async function balance(page: Page): Promise<number> {
  const text = await page.getByTestId("balance").innerText();
  return Number(text.replace(/[^0-9]/g, ""));
}

test("the owner buys the Professional pack and sees 400,000 more tokens and the purchase", async ({ page }) => {
  await signInAs(page, owner);
  await page.goto("/billing");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Billing" })).toBeVisible();
  await expect(page.getByTestId("pack")).toHaveCount(5);
  const before = await balance(page);

  await page.getByRole("button", { name: "Buy Professional pack" }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:3192\/pay\/cs_test_/);
  await expect(page.getByText("$150.00").first()).toBeVisible();
  await page.getByRole("button", { name: /^Pay/ }).click();

  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_test_/);
  await expect(page.getByTestId("checkout-status")).toContainText("400,000 tokens of the Professional pack are in your balance");
  // The shell's low-balance warning (there before the purchase on a fresh installation) goes.
  await expect(page.getByTestId("low-balance")).toHaveCount(0);
  await page.screenshot({ path: "test-results/billing-success.png" });

  await page.goto("/billing");
  await hydrated(page);
  expect(await balance(page)).toBe(before + 400_000);
  const row = page.getByTestId("purchase-row").filter({ hasText: "Professional" }).first();
  await expect(row).toContainText("400,000");
  await expect(row).toContainText("$150.00");
  await expect(row).toContainText("Paid");
  await expect(page.getByTestId("ledger-row").first()).toContainText("+400,000");
  await page.screenshot({ path: "test-results/billing.png", fullPage: true });

  // The webhooks arrive too (after the success page credited it): still one credit, and the
  // charge's receipt is linked from the purchase.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("purchase-row").filter({ hasText: "Professional" }).first().getByRole("link", { name: "Receipt" })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  expect(await balance(page)).toBe(before + 400_000);
  const receipt = await page.getByTestId("purchase-row").filter({ hasText: "Professional" }).first().getByRole("link", { name: "Receipt" }).getAttribute("href");
  expect(receipt).toMatch(/127\.0\.0\.1:3192\/receipts\/ch_test_/);
});

test("cancelling at Checkout leaves the balance as it was", async ({ page }) => {
  await signInAs(page, owner);
  await page.goto("/billing");
  await hydrated(page);
  const before = await balance(page);
  await page.getByRole("button", { name: "Buy Starter pack" }).click();
  await expect(page).toHaveURL(/\/pay\/cs_test_/);
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/billing\?canceled=1$/);
  await expect(page.getByText("Checkout was cancelled. Nothing was charged.")).toBeVisible();
  expect(await balance(page)).toBe(before);
  await expect(page.getByTestId("purchase-row").filter({ hasText: "Starter" }).first()).toContainText("Not completed");
});

test("the Buy form works before JavaScript runs", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.goto("/billing");
  await page.getByRole("button", { name: "Buy Basic pack" }).click();
  await expect(page).toHaveURL(/\/pay\/cs_test_/);
  await expect(page.getByText("$65.00").first()).toBeVisible();
  await context.close();
});

test("a manager sees the balance but no Buy button, and buying directly is refused", async ({ page, browser }) => {
  await signInAs(page, owner);
  const link = await invite(page, manager.email, "manager", []);
  const { context, page: mia } = await accept(browser, link, manager);
  await mia.goto("/billing");
  await hydrated(mia);
  await expect(mia.getByTestId("balance")).toBeVisible();
  await expect(mia.getByRole("button", { name: /^Buy/ })).toHaveCount(0);
  await expect(mia.getByText("Owners and billing admins can buy packs.").first()).toBeVisible();
  const res = await mia.request.post("/api/buy_pack", {
    form: { pack: "professional", attempt: "6f9619ff-8b86-d011-b42d-00cf4fc964ff" },
    headers: { origin: new URL(mia.url()).origin },
  });
  expect(res.status()).toBe(403);
  await context.close();
});
