import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { owner, signInAs, hydrated, invite, accept } from "./helpers";

// Campaigns against the ads stand-in (ads-standin/server.mjs), which plays Meta: its consent
// page, token exchange, ad accounts, campaigns, daily insights and campaign writes.

const ads = `http://127.0.0.1:${process.env.E2E_ADS_PORT ?? 3194}`;
const approver = { name: "Cora Budget", email: "cora@example.com", password: "approve-budgets-2026" };
const WINTER = "120210000000000101";
const RETARGETING = "120210000000000102";
const LOOKALIKE = "120210000000000104";

type Write = { campaign: string; status?: string; daily_budget?: number };

async function writes(request: APIRequestContext): Promise<Write[]> {
  return await (await request.get(`${ads}/_standin/meta/writes`)).json();
}

/** Connects Meta and imports its account, unless an earlier test did. */
async function connected(page: Page) {
  await page.goto("/settings/ad-accounts");
  if ((await page.getByTestId("ad-account").count()) === 0) {
    await page.getByRole("button", { name: "Connect Meta" }).click();
    await page.getByRole("link", { name: "Continue as Ana Marketing" }).click();
    await expect(page.getByTestId("ads-flash")).toContainText("Connected Meta");
  }
  await hydrated(page);
  const import_ = page.getByRole("button", { name: "Import Bazar Ads" });
  if (await import_.count()) await import_.click();
  await expect(page.getByTestId("ad-account").getByTestId("sync-state")).toContainText("Synced", { timeout: 60_000 });
}

/** A day in the ad account's time zone, `ago` days before today. */
function accountDay(ago: number): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Bucharest" }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ago);
  return d.toISOString().slice(0, 10);
}

async function connectMeta(page: Page) {
  await page.goto("/settings/ad-accounts");
  await page.getByRole("button", { name: "Connect Meta" }).click();
  await expect(page.getByRole("heading", { name: "Switchyard E2E is requesting access" })).toBeVisible();
}

test("connect Meta through its consent page, import, sync, read ROAS and pacing, and get a large budget rise approved", async ({ page, browser, request }) => {
  test.setTimeout(120_000);
  await signInAs(page, owner);

  // Declining on Meta's page connects nothing and says so.
  await connectMeta(page);
  await page.getByRole("link", { name: "Not now" }).click();
  await expect(page).toHaveURL(/\/settings\/ad-accounts$/);
  await expect(page.getByTestId("ads-flash")).toContainText("The consent was declined on Meta: nothing was connected.");
  await expect(page.getByTestId("ad-account")).toHaveCount(0);

  // Consent given: back with the account found, not imported yet.
  await connectMeta(page);
  const allow = page.getByRole("link", { name: "Continue as Ana Marketing" });
  const callback = (await allow.getAttribute("href"))!;
  await allow.click();
  await expect(page).toHaveURL(/\/settings\/ad-accounts$/);
  await expect(page.getByTestId("ads-flash")).toContainText("Connected Meta as Ana Marketing: 1 ad account found.");
  const account = page.getByTestId("ad-account");
  await expect(account).toContainText("Bazar Ads");
  await expect(account).toContainText("act_1000000000000001 · RON · Europe/Bucharest");
  await expect(account.getByTestId("sync-state")).toHaveText("Not imported");

  // The same consent answer again (a replayed state) is refused and changes nothing.
  await page.goto(callback.replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByTestId("ads-flash")).toContainText("did not start here, was already used, or has expired");
  await expect(page.getByTestId("ad-account")).toHaveCount(1);

  // Import: the first sync starts at once and the page follows it.
  await hydrated(page);
  await page.getByRole("button", { name: "Import Bazar Ads" }).click();
  await expect(account.getByTestId("sync-state")).toContainText("Synced", { timeout: 60_000 });

  // The list: per platform, and each campaign with figures worked out from the stand-in's days.
  const from = accountDay(7);
  const to = accountDay(1);
  await page.goto(`/campaigns?range=custom&from=${from}&to=${to}`);
  const totals = page.getByTestId("platform-totals");
  await expect(totals).toHaveCount(1);
  await expect(totals).toContainText("Meta · RON · 4 campaigns");
  await expect(totals.locator("svg[role=img]")).toBeVisible();
  const expected = await (await request.get(`${ads}/_standin/meta/totals?campaign=${WINTER}&since=${from}&until=${to}`)).json();
  const row = page.getByTestId("campaign-row").filter({ hasText: "Winter sale" });
  await expect(row.getByTestId("roas")).toHaveText(`${(expected.value / expected.spend).toFixed(2)}×`);
  await expect(row.getByTestId("spend")).toHaveText(`${(expected.spend / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })} RON`);
  await expect(row.getByTestId("pacing")).toHaveAttribute("data-pacing", /^(under|on|over|spent)$/);
  await expect(page.getByTestId("campaign-row").filter({ hasText: "Brand awareness" }).getByTestId("pacing")).toHaveText("—");

  // A rise of 80 %: the preview says it needs an approver, and so it waits.
  await row.getByRole("link", { name: "Winter sale" }).click();
  await expect(page.getByTestId("campaign-name")).toHaveText("Winter sale");
  await expect(page.getByTestId("budget")).toHaveText("150.00 RON a day");
  await hydrated(page);
  const budget = page.getByLabel("Daily budget (RON)");
  await budget.fill("abc");
  await page.getByRole("button", { name: "Change budget" }).click();
  await expect(page.getByRole("alert").first()).toContainText("An amount in RON");
  await budget.fill("270");
  await expect(page.getByTestId("budget-preview")).toContainText("150.00 RON → 270.00 RON a day (+80 %)");
  await expect(page.getByTestId("budget-preview")).toContainText("Needs an approver");
  await page.getByRole("button", { name: "Change budget" }).click();
  await expect(page.getByTestId("change").first().getByTestId("change-state")).toHaveAttribute("data-state", "pending");
  await expect(page.getByTestId("budget")).toHaveText("150.00 RON a day");
  let writes = await (await request.get(`${ads}/_standin/meta/writes`)).json();
  expect(writes.filter((w: { campaign: string }) => w.campaign === WINTER)).toHaveLength(0);

  // The requester cannot approve their own change; another approver does.
  await page.goto("/campaigns/approvals");
  await expect(page.getByTestId("approval")).toContainText("Your own request");
  const link = await invite(page, approver.email, "admin", []);
  const cora = await accept(browser, link, approver);
  await cora.page.goto("/campaigns/approvals");
  await hydrated(cora.page);
  const waiting = cora.page.getByTestId("approval").filter({ hasText: "Winter sale" });
  await expect(waiting).toContainText("Daily budget 150.00 RON → 270.00 RON");
  await waiting.getByRole("button", { name: "Approve" }).click();
  await expect(cora.page.getByText("Approved: the platform accepted the new budget.")).toBeVisible();
  await expect(cora.page.getByTestId("approval")).toHaveCount(0);
  writes = await (await request.get(`${ads}/_standin/meta/writes`)).json();
  expect(writes).toContainEqual({ campaign: WINTER, daily_budget: 27000 });
  await cora.context.close();

  await page.goto(`/campaigns/${await campaignId(page, "Winter sale")}`);
  await expect(page.getByTestId("budget")).toHaveText("270.00 RON a day");
  const change = page.getByTestId("change").first();
  await expect(change.getByTestId("change-state")).toHaveAttribute("data-state", "applied");
  await expect(change).toContainText("Decided by Cora Budget");
});

test("apply one suggestion, dismiss another, and an alert rule pauses a campaign that its rollback resumes", async ({ page, request, baseURL }) => {
  test.setTimeout(120_000);
  await signInAs(page, owner);
  await connected(page);
  const hook = (path: string, data?: object) =>
    request.post(`${baseURL}/_test/${path}`, { data: data ?? {}, headers: { origin: baseURL! } });

  // Suggestions from the local rules (no AI provider here), which say so.
  await page.goto("/campaigns/insights");
  await hydrated(page);
  await page.getByRole("button", { name: "Ask for suggestions now" }).click();
  const raise = page.getByTestId("insight").filter({ hasText: "Retargeting" }).filter({ hasText: "Raise the budget" });
  const cut = page.getByTestId("insight").filter({ hasText: "Lookalike test" }).filter({ hasText: "Lower the budget" });
  await expect(raise).toHaveAttribute("data-status", "pending", { timeout: 30_000 });
  await expect(cut).toHaveAttribute("data-status", "pending");
  await expect(raise).toContainText("no AI provider is set up");
  await expect(raise).toContainText("80.00 RON → 96.00 RON");

  await raise.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("Done: the platform accepted the change.")).toBeVisible();
  await expect(raise).toHaveAttribute("data-status", "applied");
  expect(await writes(request)).toContainEqual({ campaign: RETARGETING, daily_budget: 9600 });

  // Dismissing asks why.
  await cut.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expect(cut).toHaveAttribute("data-status", "pending");
  await cut.getByRole("textbox").fill("A new creative launches on Monday");
  await cut.getByRole("button", { name: "Dismiss" }).click();
  await expect(cut).toHaveAttribute("data-status", "dismissed");
  await expect(cut).toContainText("Dismissed: A new creative launches on Monday");
  expect((await writes(request)).filter((w) => w.campaign === LOOKALIKE)).toHaveLength(0);

  // An alert rule: tried first, then saved.
  await page.goto("/campaigns/rules");
  await hydrated(page);
  await page.getByLabel("Name").fill("Weak ROAS");
  await page.getByLabel("Condition 1 metric").selectOption("roas");
  await page.getByLabel("Condition 1 comparison").selectOption("<");
  await page.getByLabel("Condition 1 value").fill("1.5");
  await page.getByLabel("Condition 1 days").fill("7");
  await page.getByLabel("Then").selectOption("pause");
  await page.getByLabel("Undo after (hours)").fill("1");
  await page.getByRole("button", { name: "Try it now" }).click();
  const dry = page.getByTestId("dry-run");
  await expect(dry).toContainText("Lookalike test: would fire");
  await expect(dry).toContainText("Winter sale: would not fire");
  expect((await writes(request)).filter((w) => w.campaign === LOOKALIKE)).toHaveLength(0);
  await page.getByRole("button", { name: "Save rule" }).click();
  await expect(page.getByTestId("rule")).toContainText("ROAS < 1.5 over 7 days → pause, undone after 1 hour");

  // The alerts job (every 15 minutes) runs now: the weak campaign is paused on Meta.
  expect((await hook("jobs/campaigns.ads-alerts")).ok()).toBeTruthy();
  await expect.poll(async () => (await writes(request)).filter((w) => w.campaign === LOOKALIKE), { timeout: 20_000 })
    .toContainEqual({ campaign: LOOKALIKE, status: "PAUSED" });
  await page.reload();
  const firing = page.getByTestId("firing").filter({ hasText: "Weak ROAS" });
  await expect(firing).toContainText("To be undone");

  // Two hours later the rollback job resumes it.
  expect((await hook("clock", { seconds: 7200 })).ok()).toBeTruthy();
  expect((await hook("jobs/campaigns.ads-rollback")).ok()).toBeTruthy();
  await expect.poll(async () => (await writes(request)).filter((w) => w.campaign === LOOKALIKE), { timeout: 20_000 })
    .toContainEqual({ campaign: LOOKALIKE, status: "ACTIVE" });
  await page.reload();
  await expect(firing).toContainText("Undone");
  await page.goto(`/campaigns/${await campaignId(page, "Lookalike test")}`);
  await expect(page.getByTestId("campaign-status").first()).toHaveAttribute("data-status", "ACTIVE");
});

/** The id of a campaign, from the list's link. */
async function campaignId(page: Page, name: string): Promise<string> {
  await page.goto("/campaigns");
  const href = await page.getByTestId("campaign-row").filter({ hasText: name }).getByRole("link", { name }).getAttribute("href");
  return href!.split("/").pop()!;
}
