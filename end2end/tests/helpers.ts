import { expect, Browser, Page } from "@playwright/test";

// Shared by the suites: they run on one installation, each setting it up when run alone.

export const owner = { name: "Ada Lovelace", email: "ada@example.com", password: "switch-yard-2026" };

/** Waits until the page has hydrated (the app marks <body>). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in as `who`; on a fresh installation, runs first-run setup as the owner instead. */
export async function signInAs(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  if (page.url().endsWith("/setup")) {
    await page.getByLabel("Company name").fill("Acme Electric");
    await page.getByLabel("Your name").fill(owner.name);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password", { exact: true }).fill(owner.password);
    await page.getByLabel("Confirm password").fill(owner.password);
    await page.getByRole("button", { name: "Create company" }).click();
    await expect(page).toHaveURL(/\/$/);
    return;
  }
  if (!page.url().includes("/login")) return; // already signed in
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/(\?.*)?$/);
}

/** Invites `email` as `role` with `stores` from the members page and returns the copied link. */
export async function invite(page: Page, email: string, role: string, stores: string[]) {
  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  for (const s of stores) await page.getByRole("checkbox", { name: s }).check();
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  const link = page.getByTestId("invite-link");
  await expect(link).toBeVisible();
  return await link.inputValue();
}

export async function accept(browser: Browser, link: string, who: { name: string; password: string }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Join Acme Electric" })).toBeVisible();
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByLabel("Confirm password").fill(who.password);
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await expect(page).toHaveURL(/\/\?welcome=1$/);
  return { context, page };
}

/** Does a destructive action through its confirmation: opens the dialog named `name` (the
 *  `Confirm` component, a <details>, so this works with and without JavaScript) and presses
 *  its button of the same name. */
export async function confirmAction(page: Page, name: string) {
  await page.locator(`summary[aria-label="${name}"]`).click();
  const dialog = page.getByRole("dialog", { name });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name, exact: true }).click();
}
