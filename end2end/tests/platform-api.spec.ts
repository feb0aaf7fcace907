import { test, expect, Page } from "@playwright/test";
import * as crypto from "node:crypto";
import * as http from "node:http";
import { confirmAction, hydrated, owner, signInAs } from "./helpers";

// Settings → API: the owner makes a key, copies it once, calls the JSON API with it from the
// test (as an integrator's program would), and revokes it; the same before hydration; the
// API's reference page is readable without scripts; a webhook endpoint served by the test gets
// signed deliveries. (Named to run after foundation.spec.ts, which needs a fresh installation.)
test.describe.configure({ mode: "serial" });

async function makeKey(page: Page, name: string, scopes: string[]) {
  await page.getByLabel("Name").fill(name);
  for (const s of scopes) await page.getByRole("checkbox", { name: new RegExp(`^${s.replace(".", "\\.")}`) }).check();
  await page.getByRole("button", { name: "Make key" }).click();
  await expect(page.getByTestId("api-keys-said")).toContainText("Copy it now");
  const key = await page.getByTestId("new-api-key").inputValue();
  expect(key).toMatch(/^swk_[0-9a-f]{12}_[0-9a-f]{64}$/);
  return key;
}

test("the owner makes an API key, calls the API with it, and revokes it", async ({ page, request }) => {
  await signInAs(page, owner);
  await page.goto("/settings/company");
  await hydrated(page);
  await page.getByRole("link", { name: "API", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/api$/);
  await expect(page.getByText("No API key yet")).toBeVisible();

  // A key needs a scope: the form says so and keeps the name.
  await page.getByLabel("Name").fill("Warehouse sync");
  await page.getByRole("button", { name: "Make key" }).click();
  await expect(page.getByText("Choose at least one scope.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("Warehouse sync");

  const key = await makeKey(page, "Warehouse sync", ["orders.read", "billing.read"]);
  const row = page.getByTestId("api-key").filter({ hasText: "Warehouse sync" });
  await expect(row).toContainText(key.slice(0, 16));
  await expect(row).toContainText("orders.read, billing.read");
  await expect(row).toContainText("Never");

  // Shown once: a reload shows only the prefix.
  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);

  // The program's calls.
  const auth = { Authorization: `Bearer ${key}` };
  const orders = await request.get("/api/v1/orders?limit=5", { headers: auth });
  expect(orders.status()).toBe(200);
  expect(orders.headers()["ratelimit-limit"]).toBe("1000");
  expect(Array.isArray((await orders.json()).data)).toBe(true);
  const tokens = await request.get("/api/v1/tokens", { headers: auth });
  expect(typeof (await tokens.json()).balance).toBe("number");
  // Outside its scopes.
  const write = await request.post("/api/v1/orders/00000000-0000-0000-0000-000000000000/status", {
    headers: auth,
    data: { status: "PICKING" },
  });
  expect(write.status()).toBe(403);
  expect(write.headers()["content-type"]).toBe("application/problem+json");

  // Its use shows in the list; revoked, it is refused.
  await page.reload();
  await expect(row).not.toContainText("Never");
  await hydrated(page);
  await confirmAction(page, "Revoke the key Warehouse sync");
  await expect(page.getByTestId("api-keys-said")).toContainText("Key revoked");
  await expect(row).toHaveAttribute("data-state", "revoked");
  const refused = await request.get("/api/v1/orders", { headers: auth });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).detail).toBe("The API key was revoked.");
});

test("API keys work before hydration, and the reference page needs no script", async ({ page, browser }) => {
  await signInAs(page, owner);
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const noJs = await context.newPage();
  await noJs.goto("/settings/api");
  const key = await makeKey(noJs, "Nightly export", ["orders.read"]);
  const res = await noJs.request.get("/api/v1/orders", { headers: { Authorization: `Bearer ${key}` } });
  expect(res.status()).toBe(200);
  await confirmAction(noJs, "Revoke the key Nightly export");
  await expect(noJs.getByTestId("api-key").filter({ hasText: "Nightly export" })).toHaveAttribute("data-state", "revoked");

  await noJs.goto("/api/v1/docs");
  await expect(noJs.getByRole("heading", { name: "Switchyard API" })).toBeVisible();
  await expect(noJs.getByRole("heading", { name: "List orders" })).toBeVisible();
  await expect(noJs.locator("#problem-rate_limited")).toBeVisible();
  await noJs.screenshot({ path: "test-results/api-reference.png", fullPage: false });
  await context.close();
});

/** A webhook receiver on E2E_HOOK_PORT: records each delivery; answers `status()`. */
function receiver(status: () => number) {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(status(), { "content-type": "text/plain" });
      res.end(status() < 300 ? "received" : "down for maintenance");
    });
  });
  return { got, server };
}

/** Checks a delivery the Standard Webhooks way: HMAC-SHA256 of `id.timestamp.body` under the
 *  secret's bytes, base64, among the `v1,` signatures. */
function verified(d: { headers: http.IncomingHttpHeaders; body: string }, secret: string) {
  const id = String(d.headers["webhook-id"]);
  const ts = String(d.headers["webhook-timestamp"]);
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = "v1," + crypto.createHmac("sha256", key).update(`${id}.${ts}.${d.body}`).digest("base64");
  return String(d.headers["webhook-signature"]).split(" ").includes(expected);
}

test("the owner registers a webhook endpoint, sees a signed test delivery, and replays a failed one", async ({ page }) => {
  let answer = 200;
  const { got, server } = receiver(() => answer);
  await new Promise<void>((r) => server.listen(Number(process.env.E2E_HOOK_PORT), "127.0.0.1", () => r()));
  try {
    await signInAs(page, owner);
    await page.goto("/settings/api");
    await hydrated(page);
    const hookUrl = `http://127.0.0.1:${process.env.E2E_HOOK_PORT}/hooks`;

    // A private address nobody allowed is refused, with the field named.
    await page.getByLabel("Endpoint URL").fill("http://10.1.2.3/hooks");
    await page.getByRole("checkbox", { name: /^order\.created/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText("Webhooks are not sent to a private address (10.1.2.3).")).toBeVisible();

    await page.getByLabel("Endpoint URL").fill(hookUrl);
    await page.getByLabel("Description").fill("Warehouse");
    await page.getByRole("checkbox", { name: /^order\.created/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByTestId("webhooks-said")).toContainText("Endpoint added");
    const secret = await page.getByTestId("webhook-secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    const endpoint = page.getByTestId("webhook-endpoint").filter({ hasText: hookUrl });
    await expect(endpoint).toContainText("order.created");

    // A test event arrives signed with the secret, and its delivery shows in the log.
    await hydrated(page);
    await endpoint.getByRole("button", { name: /^Send a test event/ }).click();
    await expect(page).toHaveURL(/endpoint=/);
    await expect(page.getByTestId("webhook-delivery").first()).toHaveAttribute("data-status", "delivered");
    expect(got.length).toBe(1);
    expect(JSON.parse(got[0].body).type).toBe("webhook.test");
    expect(verified(got[0], secret)).toBe(true);
    expect(verified(got[0], "whsec_" + crypto.randomBytes(32).toString("base64"))).toBe(false);

    // The receiver is down: three attempts, then the delivery waits to be replayed.
    answer = 503;
    await page.getByRole("button", { name: /^Send a test event/ }).click();
    const failed = page.getByTestId("webhook-delivery").first();
    await expect(failed).toHaveAttribute("data-status", "dead");
    await expect(failed).toContainText("503");
    await expect(failed).toContainText("3 attempts");
    expect(got.length).toBe(4);

    // Back up: replayed, delivered with the same id.
    answer = 200;
    await hydrated(page);
    await failed.getByRole("button", { name: /^Replay/ }).click();
    await expect(page.getByTestId("webhooks-said")).toContainText("queued again");
    await expect(page.getByTestId("webhook-delivery").first()).toHaveAttribute("data-status", "delivered");
    expect(got.length).toBe(5);
    expect(got[4].headers["webhook-id"]).toBe(got[3].headers["webhook-id"]);
    expect(verified(got[4], secret)).toBe(true);

    await confirmAction(page, `Delete the endpoint ${hookUrl}`);
    await expect(page.getByTestId("webhooks-said")).toContainText("Endpoint deleted");
  } finally {
    server.close();
  }
});
