import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The app under test: E2E_SERVER, else the release binary of `cargo leptos build --release`
// (scripts/test.sh runs the debug binary its Rust tests built, beside the release site), on a fresh
// data folder (so first-run setup happens), SQLite unless E2E_DATABASE_URL names a database.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir =
  process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-"));
process.env.E2E_DATA_DIR = dataDir; // workers re-evaluate this file: keep one folder
// Google sign-in goes to oauth2-mock-server, which tests/google.spec.ts starts on this port.
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? 3191);
process.env.E2E_OIDC_PORT = String(oidcPort);
// Stripe Checkout goes to the stand-in in stripe-standin/ (started below with the app).
const stripePort = Number(process.env.E2E_STRIPE_PORT ?? 3192);
const stripe = {
  STRIPE_SECRET_KEY: "sk_test_switchyard_e2e",
  STRIPE_WEBHOOK_SECRET: "whsec_switchyard_e2e",
  STRIPE_PUBLISHABLE_KEY: "pk_test_switchyard_e2e",
  STRIPE_API_BASE: `http://127.0.0.1:${stripePort}`,
};
// Shopify's Admin API goes to the commerce stand-in in commerce-standin/ (started below).
const commercePort = Number(process.env.E2E_COMMERCE_PORT ?? 3193);
process.env.E2E_COMMERCE_PORT = String(commercePort);
// Meta's consent page and Graph API go to the ads stand-in in ads-standin/ (started below).
const adsPort = Number(process.env.E2E_ADS_PORT ?? 3194);
process.env.E2E_ADS_PORT = String(adsPort);
// The content studio researches the company website in site-standin/ (started below).
const sitePort = Number(process.env.E2E_SITE_PORT ?? 3195);
process.env.E2E_SITE_PORT = String(sitePort);
// Outgoing webhooks go to a receiver the API spec serves on this port.
const hookPort = Number(process.env.E2E_HOOK_PORT ?? 3196);
process.env.E2E_HOOK_PORT = String(hookPort);
const meta = { META_APP_ID: "switchyard-e2e-meta", META_APP_SECRET: "switchyard-e2e-meta-secret" };
const databaseUrl = process.env.E2E_DATABASE_URL || `sqlite://${dataDir}/switchyard.db`;
// With E2E_REDIS_URL, sessions and sign-in limits live in Redis (scripts/test.sh does this for
// the PostgreSQL run, so both session stores are driven by the browser).
const redis: Record<string, string> = process.env.E2E_REDIS_URL
  ? { REDIS_URL: process.env.E2E_REDIS_URL, REDIS_KEY_PREFIX: `sy-e2e-${path.basename(dataDir)}:` }
  : {};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      command: "node stripe-standin/server.mjs",
      url: `http://127.0.0.1:${stripePort}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        STANDIN_PORT: String(stripePort),
        STRIPE_SECRET_KEY: stripe.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: stripe.STRIPE_WEBHOOK_SECRET,
        WEBHOOK_URL: `${baseURL}/webhooks/stripe`,
      },
    },
    {
      command: "node commerce-standin/server.mjs",
      url: `http://127.0.0.1:${commercePort}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        STANDIN_PORT: String(commercePort),
        WEBHOOK_URL: `${baseURL}/webhooks/shopify`,
      },
    },
    {
      command: "node ads-standin/server.mjs",
      url: `http://127.0.0.1:${adsPort}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: "pipe",
      stderr: "pipe",
      env: { STANDIN_PORT: String(adsPort), ...meta },
    },
    {
      command: "node site-standin/server.mjs",
      url: `http://127.0.0.1:${sitePort}/health`,
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: "pipe",
      stderr: "pipe",
      env: { STANDIN_PORT: String(sitePort) },
    },
    {
      command: process.env.E2E_SERVER ?? "./target/release/switchyard",
      cwd: "..",
      url: `${baseURL}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: "target/site",
        PUBLIC_URL: baseURL,
        LOG_LEVEL: "warn",
        APP_ENV: "development",
        // The suites sign in many times a minute; the limits themselves are tested in Rust.
        RATE_LIMIT_SIGN_IN_PER_ACCOUNT: "1000",
        RATE_LIMIT_SIGN_IN_PER_IP: "1000",
        SIGNUP_ENABLED: "true",
        GOOGLE_CLIENT_ID: "switchyard-e2e",
        GOOGLE_CLIENT_SECRET: "switchyard-e2e-secret",
        GOOGLE_ISSUER: `http://localhost:${oidcPort}`,
        ...redis,
        ...stripe,
        SHOPIFY_API_BASE: `http://127.0.0.1:${commercePort}/`,
        // A Shopify store of 4 orders or more is first read through a bulk export (the orders
        // spec's Bazar store; Atelier has fewer when first synced), asked about every second.
        ORDERS_BULK_FROM: "4",
        ORDERS_BULK_POLL_SECONDS: "1",
        FANCOURIER_API_BASE: `http://127.0.0.1:${commercePort}/fancourier`,
        TRENDYOL_API_BASE: `http://127.0.0.1:${commercePort}/trendyol`,
        ...meta,
        // The campaigns spec moves the clock forward to see an alert's rollback window pass.
        TEST_HOOKS: "true",
        META_GRAPH_BASE: `http://127.0.0.1:${adsPort}/`,
        META_DIALOG_BASE: `http://127.0.0.1:${adsPort}/`,
        // The studio's fetcher refuses loopback addresses; the site stand-in's is allowed.
        STUDIO_FETCH_ALLOW: `127.0.0.1:${sitePort}`,
        // Webhooks refuse loopback addresses; the API spec's receiver is allowed, and a failed
        // delivery is tried twice more at once (the real schedule waits hours).
        WEBHOOK_ALLOW: `127.0.0.1:${hookPort}`,
        WEBHOOK_RETRY_SCHEDULE: "0,0",
      },
    },
  ],
});
