import { test, expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { hydrated, owner, signInAs } from "./helpers";

// What a first visit downloads: every JS and wasm file under /pkg that the page requests until
// it is interactive, counted as served precompressed (the .br beside each file). Runs last: it
// signs in on whatever installation the other suites left. Prints a line that CI's summary
// shows, and holds the budgets of the architecture issue (sizes, not times: they do not vary
// from run to run): 350 KB for /login, 450 KB for the dashboard.

const pkg = path.resolve(__dirname, "../../target/site/pkg");

function brotliBytes(files: Set<string>): number {
  let total = 0;
  for (const name of files) {
    const br = path.join(pkg, `${name}.br`);
    total += fs.statSync(fs.existsSync(br) ? br : path.join(pkg, name)).size;
  }
  return total;
}

async function firstLoad(page: Page, to: string): Promise<number> {
  const files = new Set<string>();
  page.on("request", (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith("/pkg/") && /\.(js|wasm)$/.test(p)) files.add(p.slice("/pkg/".length));
  });
  await page.goto(to);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  return brotliBytes(files);
}

test("first load of /login and of the dashboard (JS + wasm, brotli)", async ({ browser }) => {
  const anonymous = await browser.newContext();
  const login = await firstLoad(await anonymous.newPage(), "/login");
  await anonymous.close();

  // Sign in elsewhere, then open the dashboard in a fresh context (an empty cache).
  const signing = await browser.newContext();
  await signInAs(await signing.newPage(), owner);
  const state = await signing.storageState();
  await signing.close();
  const fresh = await browser.newContext({ storageState: state });
  const page = await fresh.newPage();
  const dashboard = await firstLoad(page, "/");
  await fresh.close();

  console.log(`first-load JS + wasm, brotli: /login ${login} bytes, dashboard ${dashboard} bytes`);
  expect(login).toBeGreaterThan(0);
  // The architecture issue's budgets. The split loader's JS grows with every lazy route and
  // every piece two chunks share, so an area's pages are one lazy route (docs/architecture.md).
  expect(login, "the sign-in page's first load, brotli").toBeLessThanOrEqual(350_000);
  expect(dashboard, "the dashboard's first load, brotli").toBeLessThanOrEqual(450_000);
});

test("static files are named by their content and cached for good; the page itself is not", async ({ page }) => {
  const assets: { url: string; cache: string | null }[] = [];
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith("/pkg/")) assets.push({ url: p, cache: r.headers()["cache-control"] ?? null });
  });
  const res = await page.goto("/login");
  await hydrated(page);
  expect(res?.headers()["cache-control"] ?? "").not.toContain("immutable");
  // The stylesheet, the JS, the main wasm and the split manifest at least.
  expect(assets.length).toBeGreaterThanOrEqual(3);
  for (const a of assets) {
    expect(a.url, "a content-hashed name").toMatch(/\.[A-Za-z0-9_-]{22}\.(js|wasm|css|json)$/);
    expect(a.cache, a.url).toBe("public, max-age=31536000, immutable");
  }
  expect(assets.some((a) => a.url.endsWith(".css"))).toBe(true);
});
