import { test, expect, Page } from "@playwright/test";

// One installation, walked through in order: first-run setup, the dashboard, dark mode (needs
// the wasm), sign-out, a wrong password, sign-in, the same without JavaScript, small screens.
test.describe.configure({ mode: "serial" });

const owner = { name: "Ada Lovelace", email: "ada@example.com", password: "switch-yard-2026" };

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

async function openDashboard(page: Page) {
  await page.goto("/login");
  await signIn(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Ada");
}

async function signIn(page: Page, password = owner.password) {
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("the first visit leads to setup, which creates the company and signs the owner in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Switchyard" })).toBeVisible();

  // A weak password is refused with a message at the field; what was typed is kept.
  await page.getByLabel("Company name").fill("Acme Electric");
  await page.getByLabel("Time zone").selectOption("Europe/Bucharest");
  await page.getByLabel("Your name").fill(owner.name);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password", { exact: true }).fill("password123");
  await page.getByLabel("Confirm password").fill("password123");
  await page.getByRole("button", { name: "Create company" }).click();
  await expect(page.getByText("This password is too common")).toBeVisible();
  await expect(page.getByLabel("Company name")).toHaveValue("Acme Electric");
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Bucharest");

  await page.getByLabel("Password", { exact: true }).fill(owner.password);
  await page.getByLabel("Confirm password").fill(owner.password);
  await page.getByRole("button", { name: "Create company" }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Ada");
  await expect(page.getByTestId("company-name")).toHaveText("Acme Electric");
  // A new company is told what to do first, not shown a wall of zeros.
  await expect(page.getByTestId("first-steps")).toContainText("Connect a store");
  await expect(page.getByRole("list", { name: "Recent activity" })).toContainText("created the company");
});

test("dark mode works once the page is hydrated, and is remembered", async ({ page }) => {
  await openDashboard(page);
  await hydrated(page);
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);
  await page.getByRole("button", { name: "Dark mode" }).click();
  await expect(html).toHaveClass(/dark/);
  await expect(page.getByRole("button", { name: "Dark mode" })).toHaveAttribute("aria-pressed", "true");
  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await hydrated(page);
  await page.getByRole("button", { name: "Dark mode" }).click();
  await expect(html).not.toHaveClass(/dark/);
});

test("sign out, a wrong password is refused plainly, then sign in again", async ({ page }) => {
  await openDashboard(page);
  await hydrated(page);
  await page.getByLabel("Account menu").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByText("You have been signed out.")).toBeVisible();

  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, "not-my-password-1");
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(page.getByLabel("Email")).toHaveValue(owner.email);
  await expect(page.getByLabel("Password")).toHaveValue("");

  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Ada");
  const activity = page.getByRole("list", { name: "Recent activity" });
  await expect(activity).toContainText("failed sign-in");
  await expect(activity).toContainText("signed out");
});

test("a page asked for while signed out is shown after signing in", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/logout");
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
  await page.goto("/?from=bookmark");
  await expect(page).toHaveURL(/\/login\?next=/);
  await signIn(page);
  await expect(page).toHaveURL(/\/\?from=bookmark$/);
  await context.close();
});

test("everything works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Ada");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  // The account menu is a <details>: it opens without scripts, and signs out with a form.
  await page.getByLabel("Account menu").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have been signed out.")).toBeVisible();
  await context.close();
});

test("an unknown address gets a friendly 404", async ({ page }) => {
  await openDashboard(page);
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
});

test("small screens get a menu instead of the sidebar", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto("/login");
  await signIn(page);
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Main", exact: true })).toBeHidden();
  await page.getByTestId("open-navigation").click();
  const nav = page.getByRole("navigation", { name: "Main", exact: true });
  await expect(nav.getByRole("link", { name: "Dashboard" })).toBeVisible();
  // Following a link closes the menu again.
  await nav.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\//);
  await expect(nav).toBeHidden();
  await context.close();
});
