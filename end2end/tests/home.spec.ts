import { test, expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { hydrated } from "./helpers";

// The dashboard of a company seeded by `switchyard seed` (the bench's seeding command, here
// with 3,000 orders over 60 days in three stores, six campaigns and 40 analyses): its figures
// for 7 and 30 days, one store's, a member limited to one store, and the same without
// JavaScript. Runs after foundation.spec (first-run setup done; seeding signs a company up).

const dora = { name: "Dora Dash", email: "dora@dash.example", password: "dash-board-2026" };
const lia = { name: "Lia Limited", email: "lia@dash.example", password: "dash-board-2026" };

test.beforeAll(() => {
  const dataDir = process.env.E2E_DATA_DIR!;
  try {
    seed(dataDir);
  } catch (e) {
    // A worker started again after a failure finds the company seeded.
    if (!String((e as { stderr?: Buffer }).stderr ?? e).includes("already exists")) throw e;
  }
});

function seed(dataDir: string) {
  execFileSync(
    process.env.E2E_SERVER ?? "./target/release/switchyard",
    ["seed", "--company", "Dash Co", "--email", dora.email, "--password", dora.password, "--name", dora.name,
      "--stores", "3", "--orders", "3000", "--days", "60", "--campaigns", "6", "--analyses", "40"],
    {
      cwd: "..",
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: process.env.E2E_DATABASE_URL || `sqlite://${dataDir}/switchyard.db`,
        APP_ENV: "development",
        LOG_LEVEL: "warn",
      },
      stdio: "pipe",
    },
  );
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/(\?.*)?$/);
}

const revenue = (page: Page) => page.getByTestId("sales").first().getByTestId("kpi-revenue").getByTestId("value");

test("a seeded company's dashboard shows its figures and charts for 30 and 7 days, and one store's", async ({ page }) => {
  await signIn(page, dora);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Dora");
  // 30 days by default, compared with the 30 before.
  await expect(page.getByTestId("period")).toContainText("compared with");
  await expect(page.getByTestId("period")).toContainText("all stores");
  const month = (await revenue(page).textContent())!;
  expect(month).toMatch(/^[\d,]+\.\d\d RON$/);
  await expect(page.getByTestId("sales").first().getByTestId("kpi-orders").getByTestId("change")).toHaveText(/%|new|no change/);
  await expect(page.getByRole("img", { name: "Revenue per day per store" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Ad spend against purchase value per day" })).toBeVisible();
  await expect(page.getByTestId("fulfilment")).toContainText("Delivered");
  // Three stores, each in RON and EUR (one order in twenty), never added together.
  await expect(page.getByTestId("profit-row")).toHaveCount(6);
  await expect(page.getByTestId("analyses").getByTestId("kpi-analyses-run").getByTestId("value")).not.toHaveText("0");
  await expect(page.getByRole("list", { name: "Latest orders" }).getByRole("listitem")).toHaveCount(5);

  await hydrated(page);
  await page.getByLabel("Period").selectOption("7d");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/period=7d/);
  await expect(revenue(page)).not.toHaveText(month);
  const week = (await revenue(page).textContent())!;
  expect(Number(week.replace(/[^\d]/g, ""))).toBeLessThan(Number(month.replace(/[^\d]/g, "")));

  // One store: its own figures, its own profit line.
  await page.getByLabel("Store", { exact: true }).selectOption({ label: "Store 2" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("period")).toContainText("Store 2");
  await expect(revenue(page)).not.toHaveText(week);
  await expect(page.getByTestId("profit-row")).toHaveCount(2);
  await expect(page.getByTestId("profit-row").first()).toContainText("Store 2");
  await expect(page.getByTestId("profit-row").last()).toContainText("Store 2");
  await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
});

test("a member limited to one store sees only that store's figures", async ({ page, browser }) => {
  await signIn(page, dora);
  // The owner's view of Store 1 over 30 days.
  const id = await page.locator("#d-store option", { hasText: "Store 1" }).getAttribute("value");
  const other = await page.locator("#d-store option", { hasText: "Store 3" }).getAttribute("value");
  await page.goto(`/?period=30d&store=${id}`);
  const storeOne = (await revenue(page).textContent())!;

  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByLabel("Email").fill(lia.email);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("checkbox", { name: "Store 1" }).check();
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  const link = await page.getByTestId("invite-link").inputValue();

  const context = await browser.newContext();
  const member = await context.newPage();
  await member.goto(link);
  await member.getByLabel("Your name").fill(lia.name);
  await member.getByLabel("Password", { exact: true }).fill(lia.password);
  await member.getByLabel("Confirm password").fill(lia.password);
  await member.getByRole("button", { name: "Accept invitation" }).click();
  await expect(member).toHaveURL(/\/\?welcome=1$/);
  await member.goto("/?period=30d");
  await expect(member.locator("#d-store option")).toHaveText(["All stores", "Store 1"]);
  // "All stores" for her is Store 1 alone.
  await expect(revenue(member)).toHaveText(storeOne);
  await expect(member.getByTestId("profit-row")).toHaveCount(2);
  // Another store of the company is not found, not an empty dashboard.
  const res = await member.goto(`/?store=${other}`);
  expect(res?.status()).toBe(404);
  await expect(member.getByTestId("dashboard-error")).toContainText("do not have access");
  await context.close();
});

test("the dashboard works before hydration, and refuses a bad range plainly", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, dora);
  await expect(revenue(page)).toHaveText(/RON$/);
  await page.getByLabel("Period").selectOption("custom");
  await page.getByLabel("From (custom)").fill("2026-03-10");
  await page.getByLabel("To (custom)").fill("2026-03-01");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("dashboard-error")).toContainText("The last day is before the first day.");
  // Two years at most.
  await page.goto("/?period=custom&from=2020-01-01&to=2026-01-01");
  await expect(page.getByTestId("dashboard-error")).toContainText("at most two years");
  await page.goto("/?period=7d");
  await expect(page.getByLabel("Period")).toHaveValue("7d");
  await expect(page.getByRole("img", { name: "Revenue per day per store" })).toBeVisible();
  // Over 92 days, a point per week.
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  await page.goto(`/?period=custom&from=${day(119)}&to=${day(1)}`);
  await expect(page.getByRole("heading", { name: "Sales per week" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Revenue per week per store" })).toBeVisible();
  await context.close();
});
