import { test, expect, Page } from "@playwright/test";
import { hydrated, owner, signInAs } from "./helpers";
import { OAuth2Server } from "oauth2-mock-server";

// Google sign-in through a real OpenID Connect provider (oauth2-mock-server, auto-approving)
// that the app reaches at GOOGLE_ISSUER (see playwright.config.ts). Each test says which Google
// account the provider signs in next, through its token-signing hook.
test.describe.configure({ mode: "serial" });

const port = Number(process.env.E2E_OIDC_PORT ?? 3191);
const provider = new OAuth2Server();

type GoogleAccount = { sub: string; email: string; name: string; verified?: boolean };

/** The provider's next id_token is for `who`. */
function nextGoogleAccount(who: GoogleAccount) {
  provider.service.removeAllListeners("beforeTokenSigning");
  provider.service.on("beforeTokenSigning", (token) => {
    token.payload.sub = who.sub;
    token.payload.email = who.email;
    token.payload.email_verified = who.verified ?? true;
    token.payload.name = who.name;
  });
}

test.beforeAll(async () => {
  await provider.issuer.keys.generate("RS256");
  await provider.start(port, "localhost");
});

test.afterAll(async () => {
  await provider.stop();
});

async function signInAsOwner(page: Page) {
  await signInAs(page, owner);
}

test("an invited user accepts with Google, then signs in with Google and sees only their pages", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByLabel("Email").fill("grace@example.com");
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  const link = await page.getByTestId("invite-link").inputValue();

  const context = await browser.newContext();
  const grace = await context.newPage();
  const account = { sub: "google-grace", email: "grace@example.com", name: "Grace Hopper" };

  // The wrong Google account is turned away on the invitation page; the link still works.
  nextGoogleAccount({ sub: "google-mallory", email: "mallory@example.com", name: "Mallory" });
  await grace.goto(link);
  await grace.getByRole("button", { name: "Accept with Google as grace@example.com" }).click();
  await expect(grace.getByRole("alert")).toContainText("This invitation is for grace@example.com");

  nextGoogleAccount(account);
  await grace.getByRole("button", { name: "Accept with Google as grace@example.com" }).click();
  await expect(grace).toHaveURL(/\/\?welcome=1$/);
  await expect(grace.getByText("Grace Hopper").first()).toBeVisible();
  // A viewer: no Settings → Members, and the page itself is refused.
  await expect(grace.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  const refused = await grace.goto("/settings/members");
  expect(refused?.status()).toBe(403);

  // Signed out, "Continue with Google" signs her in again (linked on the Google subject).
  await context.clearCookies();
  await grace.goto("/login");
  nextGoogleAccount(account);
  await grace.getByRole("button", { name: "Continue with Google" }).click();
  await expect(grace).toHaveURL(/\/$/);
  await grace.goto("/settings/security");
  await expect(grace.getByTestId("google-email")).toHaveText("grace@example.com");
  await expect(grace.getByText("Google is your only way to sign in")).toBeVisible();
  await context.close();
});

test("a Google account linked to nobody, or with an unverified email, is refused plainly", async ({ page }) => {
  await page.goto("/login");
  nextGoogleAccount({ sub: "google-stranger", email: "stranger@example.com", name: "Stranger" });
  await page.getByRole("button", { name: "Continue with Google" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("alert")).toContainText("No Switchyard account is linked to this Google account");

  nextGoogleAccount({ sub: "google-grace", email: "grace@example.com", name: "Grace", verified: false });
  await page.getByRole("button", { name: "Continue with Google" }).click();
  await expect(page.getByRole("alert")).toContainText("email address of this Google account is not verified");
});

test("the owner links Google in Settings → Security, signs in with it, and unlinks it", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.goto("/settings/security");
  await hydrated(page);
  const ada = { sub: "google-ada", email: "ada.lovelace@gmail.com", name: "Ada Lovelace" };
  nextGoogleAccount(ada);
  await page.getByRole("button", { name: "Link Google" }).click();
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(page.getByText("ada.lovelace@gmail.com is now linked")).toBeVisible();
  await expect(page.getByTestId("google-email")).toHaveText("ada.lovelace@gmail.com");

  const other = await browser.newContext();
  const second = await other.newPage();
  await second.goto("/login");
  nextGoogleAccount(ada);
  await second.getByRole("button", { name: "Continue with Google" }).click();
  await expect(second).toHaveURL(/\/$/);
  await expect(second.getByRole("heading", { name: /Ada/ })).toBeVisible();
  await other.close();

  await hydrated(page);
  await page.getByRole("button", { name: "Unlink Google" }).click();
  await expect(page.getByText("Google was unlinked")).toBeVisible();
  await expect(page.getByRole("button", { name: "Link Google" })).toBeVisible();
});
