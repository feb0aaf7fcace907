import { test, expect, Page } from "@playwright/test";
import * as path from "node:path";
import { owner, signInAs, hydrated } from "./helpers";

// The content studio with no AI provider configured (the local composer writes from templates),
// researching the company website in site-standin/server.mjs.

const site = `http://127.0.0.1:${process.env.E2E_SITE_PORT ?? 3195}/`;
const THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0";
const GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";

async function fillEmail(page: Page, recipient: string) {
  await page.getByLabel("Recipient's name").fill(recipient);
  await page.getByLabel("Recipient's role").fill("Head of Operations");
  await page.getByLabel("Company website").fill(site);
  await page.getByLabel("Tone").selectOption("friendly");
  await page.getByLabel("Campaign (optional)").fill("Spring outreach");
  await page.getByLabel("Goal").fill("book a 15-minute call next week");
  await page.getByLabel("Pain point (optional)").fill("planning weekly deliveries");
  await page.getByLabel("Your name").fill("Dan Pop");
  await page.getByLabel("About you").fill(
    "I run operations software for coffee distributors. We cut delivery planning time by 30% for 12 clients in 2025.",
  );
}

test("research a company, write an email within 100 words, and tell a person's open from a proxy's", async ({ page, request }) => {
  test.setTimeout(90_000);
  await signInAs(page, owner);

  // Research: the page's own words, its products and news, and the links it came from.
  await page.goto("/campaigns/studio/research");
  await hydrated(page);
  await page.getByLabel("Website").fill(site);
  await page.getByRole("button", { name: "Research" }).click();
  const card = page.getByTestId("research").first();
  await expect(card).toContainText("roasts speciality coffee for offices");
  await expect(card.getByTestId("research-products")).toContainText("Office coffee subscriptions");
  await expect(card.getByTestId("research-news")).toContainText("Cluj roastery opens in March 2026");
  await expect(card.getByTestId("research-sources").getByRole("link", { name: "Read the news about Cluj" })).toBeVisible();
  await expect(card).toHaveAttribute("data-complete", "true");

  // The cloud metadata address and loopback: refused with a message, nothing read or kept.
  for (const address of ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/"]) {
    await page.getByLabel("Website").fill(address);
    await page.getByRole("button", { name: "Research" }).click();
    await expect(page.getByRole("alert").last()).toContainText(/closed|private|link-local|loopback|not read/i);
    await expect(page.getByTestId("research")).toHaveCount(1);
  }

  // The email: written from the template and the research, within 100 words.
  await page.goto("/campaigns/studio");
  await hydrated(page);
  await expect(page.getByTestId("studio-writer")).toHaveAttribute("data-ai", "false");
  await fillEmail(page, "Ana Ionescu");
  await page.getByRole("button", { name: "Write the email" }).click();
  await expect(page).toHaveURL(/\/campaigns\/studio\/pieces\/[0-9a-f-]{36}$/);
  const body = page.getByTestId("piece-body");
  await expect(body).toContainText("Hi Ana,");
  await expect(body).toContainText("Cluj roastery");
  expect(Number(await body.getAttribute("data-words"))).toBeLessThanOrEqual(100);
  await expect(page.getByTestId("piece-note")).toContainText("Written from a template");
  await expect(page.getByTestId("piece-head")).toHaveText("Planning weekly deliveries at Acme Roasters");

  // The pixel, loaded as a mail app would and as Gmail's image proxy does.
  const pixel = (await page.getByTestId("piece-pixel").getAttribute("data-url"))!;
  expect(pixel).toMatch(/\/t\/[A-Za-z0-9_-]{43}\.gif$/);
  for (const ua of [THUNDERBIRD, GMAIL_PROXY]) {
    const res = await request.get(pixel, { headers: { "user-agent": ua }, maxRedirects: 0 });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("image/gif");
    expect(res.headers()["set-cookie"]).toBeUndefined();
    expect((await res.body()).length).toBe(43);
  }
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("piece-opens").locator("tbody tr")).toHaveCount(2, { timeout: 1_000 });
  }).toPass();
  const opens = page.getByTestId("piece-opens");
  await expect(opens.getByRole("row", { name: /Person/ })).toContainText(/desktop mail|mail app/);
  await expect(opens.getByRole("row", { name: /Machine/ })).toContainText("Gmail");
  await expect(page.getByText("Opened by a person", { exact: true }).locator("..")).toContainText("1");

  // Marked as sent (a second click changes nothing), then a load at once is a scanner's.
  await hydrated(page);
  await page.getByTestId("piece-mark-sent").click();
  await expect(page.getByTestId("piece-sent")).toBeVisible();
  await request.get(pixel, { headers: { "user-agent": THUNDERBIRD } });
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("piece-opens").locator("tbody tr")).toHaveCount(3, { timeout: 1_000 });
  }).toPass();
  await expect(page.getByText("Machine opens", { exact: true }).locator("..")).toContainText("2");

  // The library lists it with the campaign's open rate.
  await page.goto("/campaigns/studio/library");
  await expect(page.getByTestId("library-row").first()).toContainText("Email to Ana Ionescu");
  await expect(page.getByTestId("open-rate").filter({ hasText: "Spring outreach" })).toContainText("100%");
});

test("an email form posted before the page is interactive makes one email and opens it", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAs(page, owner);
  await page.goto("/campaigns/studio");
  // A resume read into "About you" (a plain form post too).
  await page.getByLabel("PDF or Word (.docx), up to 5 MB").setInputFiles(path.join(__dirname, "..", "fixtures", "resume.docx"));
  await page.getByRole("button", { name: "Read the resume" }).click();
  await expect(page.getByTestId("resume-flash")).toContainText("Read 18 words from resume.docx");
  await expect(page.getByLabel("About you")).toHaveValue(/Cut delivery planning time by 30%/);
  await fillEmail(page, "Ion Ene");
  const form = page.getByTestId("email-form");
  const fields: Record<string, string> = {
    request_id: (await form.locator("input[name=request_id]").getAttribute("value"))!,
  };
  for (const name of ["recipient_name", "recipient_role", "company_url", "tone", "campaign", "goal", "pain_point", "linkedin_url", "job_url", "sender_name", "sender_profile"]) {
    fields[name] = await form.locator(`[name=${name}]`).inputValue();
  }
  await page.getByRole("button", { name: "Write the email" }).click();
  await expect(page).toHaveURL(/\/campaigns\/studio\/pieces\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("piece-body")).toContainText("Hi Ion,");
  // The same form sent again (a double click, a resubmit): the same email, not a second one.
  const again = await page.request.post("/api/studio_email", {
    form: fields,
    headers: { origin: new URL(page.url()).origin, accept: "text/html" },
    maxRedirects: 0,
  });
  expect(again.status()).toBeGreaterThanOrEqual(300);
  expect(again.status()).toBeLessThan(400);
  expect(new URL(again.headers()["location"], page.url()).pathname).toBe(new URL(page.url()).pathname);
  await context.close();
});

test("upload an author's workbook, see its bad row, and write a LinkedIn post in that style", async ({ page }) => {
  test.setTimeout(60_000);
  await signInAs(page, owner);
  await page.goto("/campaigns/studio/authors");
  await page.getByLabel("Excel workbook (.xlsx)").setInputFiles(path.join(__dirname, "..", "fixtures", "author-styles.xlsx"));
  await page.getByRole("button", { name: "Check the workbook" }).click();
  await expect(page).toHaveURL(/\/campaigns\/studio\/authors\/upload\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("authors-summary")).toContainText("3 posts from 1 author; 1 row with problems");
  await expect(page.getByTestId("authors-row").filter({ hasText: "no author_name" })).toHaveAttribute("data-ok", "false");
  await page.getByTestId("authors-confirm").click();
  await expect(page.getByTestId("authors-done")).toContainText("Added 3 posts");

  // A file that is not a workbook is refused with why, and nothing is added.
  await page.goto("/campaigns/studio/authors");
  await page.getByLabel("Excel workbook (.xlsx)").setInputFiles({ name: "posts.csv", mimeType: "text/csv", buffer: Buffer.from("author_name,post_content\nA,B\n") });
  await page.getByRole("button", { name: "Check the workbook" }).click();
  await expect(page.getByTestId("authors-error")).toContainText("Choose an Excel workbook (.xlsx).");
  await expect(page.getByTestId("author")).toHaveCount(1);
  await expect(page.getByTestId("author")).toContainText("Maria Pop");

  // The post in Maria's style: her question opening and her hashtag first.
  await page.goto("/campaigns/studio/post");
  await hydrated(page);
  await page.getByLabel("Topic").fill("Shipping small changes every day");
  await page.getByLabel("Industry").fill("Software");
  await page.getByLabel("Audience").fill("engineering managers");
  await page.getByLabel("Goal").selectOption("thought_leadership");
  await page.getByLabel("Style").selectOption({ label: "Maria Pop (3 posts)" });
  await page.getByLabel("Reference page 1").fill(site);
  await page.getByRole("button", { name: "Write the post" }).click();
  await expect(page).toHaveURL(/\/campaigns\/studio\/pieces\/[0-9a-f-]{36}$/);
  const words = Number(await page.getByTestId("piece-body").getAttribute("data-words"));
  expect(words).toBeGreaterThanOrEqual(150);
  expect(words).toBeLessThanOrEqual(200);
  await expect(page.getByTestId("piece-head")).toHaveText(/\?$/);
  const tags = (await page.getByTestId("piece-hashtags").textContent())!.trim().split(/\s+/);
  expect(tags.length).toBeGreaterThanOrEqual(7);
  expect(tags.length).toBeLessThanOrEqual(10);
  expect(tags[0]).toBe("#DevOps");
  await expect(page.getByTestId("piece-body")).toContainText("Acme Roasters");

  // Her style was summarised once and is shown with her.
  await page.goto("/campaigns/studio/authors");
  await expect(page.getByTestId("author-style")).toContainText("open with a question");
});
