import { test, expect, Page, Browser } from "@playwright/test";
import { accept, confirmAction, hydrated, invite, owner, signInAs } from "./helpers";
import { createHmac } from "node:crypto";

// Members and access: an owner adds stores and invites people; they accept from the copied
// link and see only what their role and store access allow. Runs after foundation.spec.ts on
// the same installation, but sets it up itself when run alone.
test.describe.configure({ mode: "serial" });

const operator = { name: "Bob Operator", email: "bob@example.com", password: "forklift-2026" };
const viewer = { name: "Vic Viewer", email: "vic@example.com", password: "read-only-2026" };

test("the owner adds stores, invites an operator with one store, and the link works once", async ({ page, browser }) => {
  await signInAs(page, owner);
  await page.goto("/settings/stores");
  await hydrated(page);
  for (const name of ["North Shop", "South Shop"]) {
    await page.getByLabel("Store name").fill(name);
    await page.getByLabel("Platform").selectOption("shopify");
    await page.getByRole("button", { name: "Add store" }).click();
    await expect(page.getByTestId("store-row").filter({ hasText: name })).toBeVisible();
  }
  // A bad email is refused at its field and nothing is sent.
  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByLabel("Email").fill("bob@");
  await page.getByLabel("Email").evaluate((el) => el.removeAttribute("type"));
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByTestId("invitation-row")).toHaveCount(0);

  const link = await invite(page, operator.email, "operator", ["North Shop"]);
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("invitation-row").filter({ hasText: operator.email })).toBeVisible();
  // Inviting the same email again is refused plainly.
  await page.getByLabel("Email").fill(operator.email);
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("already pending");

  // The message is in the outbox with the same link.
  await page.goto("/settings/outbox");
  await expect(page.getByTestId("outbox-message").first()).toContainText(link);

  const { context, page: bob } = await accept(browser, link, operator);
  // Bob sees his one store, no settings, no audit activity.
  await expect(bob.locator("#d-store option")).toHaveText(["All stores", "North Shop"]);
  await expect(bob.getByRole("navigation", { name: "Main", exact: true }).getByRole("link")).toHaveText(["Dashboard", "Orders", "Settings"]);
  await bob.getByRole("navigation", { name: "Main", exact: true }).getByRole("link", { name: "Settings" }).click();
  await expect(bob).toHaveURL(/\/settings\/security$/);
  await expect(bob.getByRole("navigation", { name: "Settings" }).getByRole("link")).toHaveText(["Security"]);
  await expect(bob.getByRole("list", { name: "Recent activity" })).toHaveCount(0);
  const res = await bob.goto("/settings/members");
  expect(res?.status()).toBe(403);
  await expect(bob.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
  await context.close();

  // The link is spent.
  const again = await browser.newContext();
  const used = await again.newPage();
  await used.goto(link);
  await expect(used.getByText("This invitation has already been used")).toBeVisible();
  await again.close();
});

test("granting a store in the access matrix shows it to the member", async ({ page, browser }) => {
  await signInAs(page, owner);
  await page.goto("/settings/stores");
  await hydrated(page);
  await page.getByRole("button", { name: "Grant access to South Shop for Bob Operator" }).click();
  await expect(page.getByRole("button", { name: "Withdraw access to South Shop for Bob Operator" })).toBeVisible();

  const context = await browser.newContext();
  const bob = await context.newPage();
  await signInAs(bob, operator);
  await expect(bob.locator("#d-store option")).toHaveText(["All stores", "North Shop", "South Shop"]);
  await context.close();
});

test("a viewer is refused a manager's server function called directly", async ({ page, browser, baseURL }) => {
  await signInAs(page, owner);
  const link = await invite(page, viewer.email, "viewer", []);
  const { context, page: vic } = await accept(browser, link, viewer);
  const call = (p: Page) =>
    p.request.post("/api/create_store", {
      form: { name: `Sneaky ${Date.now()}`, platform: "shopify" },
      headers: { Origin: baseURL! },
    });
  const refused = await call(vic);
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("forbidden");
  // The same request from someone allowed goes through: the refusal was the permission check.
  const allowed = await call(page);
  expect(allowed.status()).toBe(200);
  await context.close();
});

test("the owner changes a role and disables a member, whose session ends", async ({ page, browser }) => {
  const context = await browser.newContext();
  const vic = await context.newPage();
  await signInAs(vic, viewer);
  await expect(vic.getByRole("heading", { level: 1 })).toContainText("Vic");

  await signInAs(page, owner);
  await page.goto("/settings/members");
  await hydrated(page);
  const row = page.getByTestId("member-row").filter({ hasText: viewer.email });
  await row.getByLabel(`Role of ${viewer.name}`).selectOption("manager");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Role changed.")).toBeVisible();
  await expect(page.getByTestId("member-row").filter({ hasText: viewer.email }).getByLabel(`Role of ${viewer.name}`)).toHaveValue("manager");

  await page.getByRole("button", { name: `Disable ${viewer.name}` }).click();
  await expect(page.getByTestId("member-row").filter({ hasText: viewer.email })).toContainText("Disabled");
  await vic.reload();
  await expect(vic).toHaveURL(/\/login/);
  await context.close();

  // The last owner cannot demote themselves: the owner's own row has no role control.
  await expect(page.getByTestId("member-row").filter({ hasText: owner.email }).getByRole("combobox")).toHaveCount(0);
});

test("the members table sorts by its headers, and removing a member asks first", async ({ page, browser }) => {
  const rex = { name: "Rex Temporary", email: "rex@example.com", password: "short-stay-2026" };
  await signInAs(page, owner);
  const link = await invite(page, rex.email, "viewer", []);
  const { context } = await accept(browser, link, rex);
  await context.close();

  const names = () => page.getByTestId("member-row").locator("td:first-child p:first-child").allTextContents();
  const plain = (xs: string[]) => xs.map((n) => n.replace(" (you)", "").toLowerCase());
  // Rendered by the server in the order the address asks for.
  await page.goto("/settings/members?sort=name&dir=desc");
  const desc = plain(await names());
  expect(desc.length).toBeGreaterThan(2);
  expect(desc).toEqual([...desc].sort().reverse());
  await expect(page.getByRole("columnheader", { name: /Member/ })).toHaveAttribute("aria-sort", "descending");
  // After hydration the header link flips the order in place.
  await hydrated(page);
  await page.getByRole("columnheader", { name: /Member/ }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=name&dir=asc/);
  await expect(page.getByRole("columnheader", { name: /Member/ })).toHaveAttribute("aria-sort", "ascending");
  expect(plain(await names())).toEqual([...desc].reverse());

  // Remove asks first; Cancel leaves everything as it was.
  const name = `Remove ${rex.name}`;
  await page.locator(`summary[aria-label="${name}"]`).click();
  const dialog = page.getByRole("dialog", { name });
  await expect(dialog).toContainText("Their sessions end at once");
  await dialog.getByRole("link", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("member-row").filter({ hasText: rex.email })).toHaveCount(1);
  await confirmAction(page, name);
  await expect(page.getByText("Member removed.")).toBeVisible();
  await expect(page.getByTestId("member-row").filter({ hasText: rex.email })).toHaveCount(0);
});

test("inviting works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAs(page, owner);
  await page.goto("/settings/members");
  await page.getByLabel("Email").fill("nojs@example.com");
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/members/);
  await expect(page.getByTestId("invitation-row").filter({ hasText: "nojs@example.com" })).toBeVisible();
  await confirmAction(page, "Revoke invitation to nojs@example.com");
  await expect(page.getByTestId("invitation-row").filter({ hasText: "nojs@example.com" })).toHaveCount(0);
  await context.close();
});

test("a forgotten password is reset through the link in the outbox, ending every session", async ({ page, browser }) => {
  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signInAs(bob, operator);

  const anon = await browser.newContext();
  const forgot = await anon.newPage();
  await forgot.goto("/login");
  await forgot.getByRole("link", { name: "Forgot your password?" }).click();
  // A client-side navigation: the page's code arrives first (its own wasm chunk), and the
  // sign-in page's Email field stays until then.
  await expect(forgot.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await forgot.getByLabel("Email").fill(operator.email);
  await forgot.getByRole("button", { name: "Send reset link" }).click();
  await expect(forgot.getByText("If an account uses that email")).toBeVisible();
  // An unknown email gets the very same answer.
  await forgot.getByLabel("Email").fill("nobody@example.com");
  await forgot.getByRole("button", { name: "Send reset link" }).click();
  await expect(forgot.getByText("If an account uses that email")).toBeVisible();

  // No SMTP here: the platform operator reads the message in the outbox.
  await signInAs(page, owner);
  await page.goto("/settings/outbox");
  const message = page.getByTestId("outbox-message").filter({ hasText: "Reset your Switchyard password" }).first();
  await expect(message).toContainText(`To ${operator.email}`);
  const link = ((await message.textContent()) ?? "").match(/https?:\/\/\S+\/reset\/[A-Za-z0-9_-]{43}/)![0];
  await expect(page.getByTestId("outbox-message").filter({ hasText: "nobody@example.com" })).toHaveCount(0);

  operator.password = "new-forklift-2027";
  await forgot.goto(link);
  await forgot.getByLabel("New password", { exact: true }).fill("short1");
  await forgot.getByLabel("Confirm new password").fill("short1");
  await forgot.getByRole("button", { name: "Set new password" }).click();
  await expect(forgot.getByText("at least 8 characters")).toBeVisible();
  await forgot.getByLabel("New password", { exact: true }).fill(operator.password);
  await forgot.getByLabel("Confirm new password").fill(operator.password);
  await forgot.getByRole("button", { name: "Set new password" }).click();
  await expect(forgot).toHaveURL(/\/login\?reset=1$/);
  await expect(forgot.getByText("Your password was changed")).toBeVisible();

  // Bob's open session ended; the link is spent; the new password works.
  await bob.reload();
  await expect(bob).toHaveURL(/\/login/);
  await forgot.goto(link);
  await expect(forgot.getByText("already been used")).toBeVisible();
  await signInAs(forgot, operator);
  await expect(forgot.getByRole("heading", { level: 1 })).toContainText("Bob");
  await anon.close();
  await bobContext.close();
});

test("a user signs out another of their sessions from Settings → Security", async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext({ userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile Safari/604.1" });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await signInAs(a, operator);
  await signInAs(b, operator);

  await a.goto("/settings/security");
  await hydrated(a);
  await expect(a.getByTestId("session-row").filter({ hasText: "This device" })).toHaveCount(1);
  await a.getByRole("button", { name: /^Sign out Safari on iOS/ }).first().click();
  await expect(a.getByText("That session was signed out.")).toBeVisible();
  await expect(a.getByRole("button", { name: /^Sign out Safari on iOS/ })).toHaveCount(0);

  await b.reload();
  await expect(b).toHaveURL(/\/login/);
  await a.reload();
  await expect(a).toHaveURL(/\/settings\/security$/);

  // Signed in again on the phone: "Sign out all other sessions" leaves only this laptop.
  await signInAs(b, operator);
  await a.reload();
  await hydrated(a);
  await a.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(a.getByText(/other session\(s\) signed out/)).toBeVisible();
  await expect(a.getByTestId("session-row")).toHaveCount(1);
  await b.reload();
  await expect(b).toHaveURL(/\/login/);
  await laptop.close();
  await phone.close();
});

test("the audit log filters, pages and exports what happened", async ({ page }) => {
  await signInAs(page, owner);
  await page.getByRole("navigation", { name: "Main", exact: true }).getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  await page.getByLabel("Action").selectOption("INVITATION_ACCEPTED");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=INVITATION_ACCEPTED/);
  const rows = page.getByTestId("audit-row");
  // Bob and Vic joined (and whoever other suites invited, when the whole suite runs).
  await expect(rows.filter({ hasText: "Bob Operator" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Vic Viewer" })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: "INVITATION_ACCEPTED" })).toHaveCount(0);
  const shown = await rows.count();

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-acme-electric-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await (await import("node:fs/promises")).readFile((await file.path())!, "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toBe("time,actor,actor_email,action,target,ip,user_agent,details");
  expect(lines).toHaveLength(shown + 1);

  // A member without audit.read has no link and gets 403.
  const { context, page: bob } = await (async () => {
    const context = await page.context().browser()!.newContext();
    const p = await context.newPage();
    await signInAs(p, operator);
    return { context, page: p };
  })();
  await expect(bob.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  expect((await bob.goto("/audit"))?.status()).toBe(403);
  await context.close();
});

/** RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret, as an authenticator app makes it. */
function totp(secret: string, seconds = Date.now() / 1000): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const c of secret.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac("sha1", Buffer.from(bytes)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

test("two-factor sign-in: enrol with an authenticator code, then sign in with the next code", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, operator);
  await page.goto("/settings/security");
  await hydrated(page);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const secret = (await page.getByTestId("two-factor-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Code from your app").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("That code is not right")).toBeVisible();
  await page.getByLabel("Code from your app").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent())!.trim();
  await expect(page.getByTestId("two-factor-state")).toContainText("10 recovery codes left");

  // Signing in now asks for a code after the password.
  await page.getByLabel("Account menu").click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.goto("/login");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login\/code$/);
  await page.getByLabel("Code").fill("123456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not right")).toBeVisible();
  await page.getByLabel("Code").fill(totp(secret, Date.now() / 1000 + 30)); // the next step: never used yet
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Bob");

  // A recovery code works once, without JavaScript too.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto("/login");
  await p2.getByLabel("Email").fill(operator.email);
  await p2.getByLabel("Password").fill(operator.password);
  await p2.getByRole("button", { name: "Sign in" }).click();
  await p2.getByLabel("Code").fill(recovery);
  await p2.getByRole("button", { name: "Verify" }).click();
  await expect(p2.getByRole("heading", { level: 1 })).toContainText("Bob");
  await nojs.close();
  await context.close();
});

test("the owner changes the company's profile; a bad value is refused at its field", async ({ page }) => {
  await signInAs(page, owner);
  await page.goto("/settings/company");
  await hydrated(page);
  await page.getByLabel("Company name").fill("A");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("#f-name-error")).toBeVisible();
  await page.getByLabel("Company name").fill("Acme Electric");
  await page.getByLabel("Currency").selectOption("RON");
  await page.getByLabel("Date format").selectOption("MM/DD/YYYY");
  await page.getByLabel("Default standard for analyses").selectOption("Microsoft");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  // Success is a toast at the window's corner, announced as a status, that can be dismissed.
  const toast = page.locator("[data-toast]");
  await expect(toast).toHaveText(/Company settings saved\./);
  await expect(toast).toHaveAttribute("role", "status");
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await expect(toast).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel("Currency")).toHaveValue("RON");
  await expect(page.getByLabel("Date format")).toHaveValue("MM/DD/YYYY");
  await expect(page.getByLabel("Default standard for analyses")).toHaveValue("Microsoft");
});

test("a member who joined with a password confirms the address from the mailed link", async ({ page, browser }) => {
  const cleo = { name: "Cleo Confirm", email: "cleo@example.com", password: "confirm-me-2026" };
  await signInAs(page, owner);
  const link = await invite(page, cleo.email, "viewer", []);
  const { context, page: member } = await accept(browser, link, cleo);

  // Settings → Security says the address is not confirmed yet, and offers a new link.
  await member.goto("/settings/security");
  await hydrated(member);
  const card = member.getByTestId("email-proof");
  await expect(card).toContainText(`We mailed a link to ${cleo.email}`);
  await card.getByRole("button", { name: "Send the link again" }).click();
  await expect(card.getByText(/A new link is on its way|A link was sent a few minutes ago/)).toBeVisible();

  // The platform operator's outbox holds the message (no SMTP here).
  await page.goto("/settings/outbox");
  const message = page.getByTestId("outbox-message").filter({ hasText: "Confirm your email address for Switchyard" }).filter({ hasText: `To ${cleo.email}` }).first();
  await expect(message).toBeVisible();
  const verify = ((await message.textContent()) ?? "").match(/https?:\/\/\S+\/auth\/verify\/[A-Za-z0-9_-]{43}/)![0];

  const anon = await browser.newContext();
  const opened = await anon.newPage();
  await opened.goto(verify);
  await expect(opened).toHaveURL(/\/login\?verified=1$/);
  await expect(opened.getByText("Your email address is confirmed.")).toBeVisible();
  // Once only.
  await opened.goto(verify);
  await expect(opened.getByText("already used or has expired")).toBeVisible();
  await anon.close();

  await member.reload();
  await hydrated(member);
  await expect(member.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
  await expect(member.getByTestId("email-proof")).toHaveCount(0);
  await context.close();
});
