// An ads stand-in for the end-to-end suite: the part of Meta's Graph API (Marketing API,
// version v21.0) that Switchyard's ad accounts, sync and controls use, in its shapes.
//
//   GET    /:version/dialog/oauth          client_id, redirect_uri, state, scope: the consent
//                                          page, with "Continue" (back with ?code&state) and
//                                          "Not now" (back with error=access_denied&state)
//   GET    /:version/oauth/access_token    a code (once, for the same redirect_uri) → a short-
//                                          lived token; grant_type=fb_exchange_token → a long-
//                                          lived one (expires_in about 60 days)
//   GET    /:version/me                    Bearer token → {id, name}
//   GET    /:version/me/adaccounts         → {data: [{id: act_…, name, currency, timezone_name}]}
//   GET    /:version/act_:id/campaigns     → cursor pages of two
//   GET    /:version/act_:id/insights      level=campaign, time_increment=1, time_range →
//                                          one row per campaign per day it spent, pages of ten;
//                                          today's spend is the share of the day gone by
//   POST   /:version/:campaign             form status (ACTIVE|PAUSED) or daily_budget (minor
//                                          units) → {success: true}; each write recorded
//   DELETE /:version/me/permissions        revokes the token
//   GET    /_standin/meta/writes           the writes: [{campaign, status?, daily_budget?}]
//   GET    /_standin/meta/totals           campaign, since, until → {spend, value} (minor units)
//   GET    /health
//
//   GET    /_standin/meta/requests         how many Graph API calls were answered
//
// Configuration: STANDIN_PORT, META_APP_ID, META_APP_SECRET; for the bench (bench/campaigns.sh)
// ADS_CAMPAIGNS (more campaigns, "Bench campaign n", beside the four below) and INSIGHTS_PAGE
// (rows per insights page: 10 by default, so that the suite walks cursors; Meta's own limit is
// what the sync asks for, 200).
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";

const port = Number(process.env.STANDIN_PORT ?? 3194);
const appId = process.env.META_APP_ID ?? "switchyard-e2e-meta";
const appSecret = process.env.META_APP_SECRET ?? "switchyard-e2e-meta-secret";
const PERSON = { id: "10000000000000042", name: "Ana Marketing" };
const ACCOUNT = { id: "act_1000000000000001", name: "Bazar Ads", currency: "RON", timezone_name: "Europe/Bucharest" };
const TZ = ACCOUNT.timezone_name;

// Budgets in minor units (bani), as Meta gives them. Each campaign's day: spend and
// purchases from a fixed pattern, so the suite can work out the same totals.
const campaigns = [
  { id: "120210000000000101", name: "Winter sale", status: "ACTIVE", objective: "OUTCOME_SALES", daily_budget: 15000, base: 12000, roas: 3.2 },
  // Spends its whole budget at a high return: the local rules suggest a rise.
  { id: "120210000000000102", name: "Retargeting", status: "ACTIVE", objective: "OUTCOME_SALES", daily_budget: 8000, base: 7700, roas: 5.1 },
  // A return below the default target of 2: the local rules suggest a cut; an alert rule on
  // ROAS below 1.5 pauses it.
  { id: "120210000000000104", name: "Lookalike test", status: "ACTIVE", objective: "OUTCOME_SALES", daily_budget: 10000, base: 9000, roas: 1.2 },
  { id: "120210000000000103", name: "Brand awareness", status: "PAUSED", objective: "OUTCOME_AWARENESS", lifetime_budget: 300000, base: 4000, roas: 0.4, until: 10 },
];

for (let n = 1; n <= Number(process.env.ADS_CAMPAIGNS ?? 0); n++) {
  campaigns.push({
    // As a string: 120220000000000000 + n is past a JS number's exact integers (2^53), and
    // neighbouring n would share an id.
    id: `12022${String(n).padStart(13, "0")}`, name: `Bench campaign ${n}`, status: n % 5 ? "ACTIVE" : "PAUSED",
    objective: "OUTCOME_SALES", daily_budget: 5000 + (n % 20) * 500, base: 3000 + (n % 50) * 40, roas: 1 + (n % 30) / 10,
  });
}
const insightsPage = Number(process.env.INSIGHTS_PAGE ?? 10);
let requests = 0;

const codes = new Map(); // code → redirect_uri (used once)
const tokens = new Map(); // token → "short" | "long"
const writes = [];

/** Today's date in the account's time zone, and the share of its day gone by. */
function today() {
  const now = new Date();
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .formatToParts(now).reduce((o, p) => ((o[p.type] = p.value), o), {});
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  const elapsed = (Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) / 86400;
  return { day, elapsed };
}

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

/** A campaign's figures on `day` (minor units), or null when it did not run; `t` is today(). */
function figures(c, day, t = today()) {
  const ago = daysBetween(day, t.day);
  if (ago < 0 || (c.until && ago < c.until)) return null;
  const wobble = (Date.parse(`${day}T00:00:00Z`) / 86400000) % 7; // 0..6, the same every run
  let spend = c.base + wobble * 350;
  if (ago === 0) spend = Math.round((c.daily_budget ?? c.base) * t.elapsed * 0.95);
  const purchases = Math.round(spend / 2500);
  const value = Math.round(spend * c.roas);
  const impressions = Math.round(spend * 1.3);
  return { spend, value, purchases, impressions, clicks: Math.round(impressions / 60), reach: Math.round(impressions * 0.6) };
}

const major = (minor) => (minor / 100).toFixed(2);

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function graphError(res, status, message, code, subcode) {
  send(res, status, { error: { message, type: "OAuthException", code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: "Astandin" } });
}

function bearer(req) {
  const h = req.headers.authorization ?? "";
  return h.startsWith("Bearer ") ? h.slice(7) : "";
}

function page(rows, url, size) {
  const start = Number(url.searchParams.get("after") ?? 0) || 0;
  const slice = rows.slice(start, start + size);
  const paging = { cursors: { before: String(start), after: String(start + slice.length) } };
  if (start + size < rows.length) paging.next = `http://127.0.0.1:${port}${url.pathname}?after=${start + size}`;
  return { data: slice, paging };
}

function consentPage(url) {
  const redirect = url.searchParams.get("redirect_uri") ?? "";
  const state = url.searchParams.get("state") ?? "";
  const code = randomBytes(12).toString("hex");
  codes.set(code, redirect);
  const back = (params) => {
    const u = new URL(redirect);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString().replace(/"/g, "&quot;");
  };
  const ok = url.searchParams.get("client_id") === appId;
  return `<!doctype html><html><head><title>Log in with Facebook (stand-in)</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>Switchyard E2E is requesting access</h1>
${ok ? `<p>${PERSON.name}, allow Switchyard E2E to manage your ads (${url.searchParams.get("scope") ?? ""})?</p>
<p><a id="allow" href="${back({ code, state })}">Continue as ${PERSON.name}</a></p>
<p><a id="deny" href="${back({ error: "access_denied", error_reason: "user_denied", error_description: "Permissions error", state })}">Not now</a></p>`
    : `<p>Invalid App ID.</p>`}
</body></html>`;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  let body = "";
  for await (const chunk of req) body += chunk;
  const path = url.pathname.replace(/^\/v\d+\.\d+\//, "/");

  if (url.pathname === "/health") return send(res, 200, { ok: true });
  if (url.pathname === "/_standin/meta/writes") return send(res, 200, writes);
  if (url.pathname === "/_standin/meta/requests") return send(res, 200, { requests });
  if (url.pathname === "/_standin/meta/totals") {
    const c = campaigns.find((x) => x.id === url.searchParams.get("campaign"));
    if (!c) return send(res, 404, { error: "no such campaign" });
    let spend = 0, value = 0;
    for (let d = url.searchParams.get("since"); d <= url.searchParams.get("until"); d = addDays(d, 1)) {
      const f = figures(c, d);
      if (f) { spend += f.spend; value += f.value; }
    }
    return send(res, 200, { spend, value });
  }

  if (req.method === "GET" && path === "/dialog/oauth") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(consentPage(url));
  }
  if (req.method === "GET" && path === "/oauth/access_token") {
    const q = url.searchParams;
    if (q.get("client_id") !== appId || q.get("client_secret") !== appSecret) {
      return graphError(res, 400, "Error validating client secret.", 1);
    }
    if (q.get("grant_type") === "fb_exchange_token") {
      if (tokens.get(q.get("fb_exchange_token")) !== "short") return graphError(res, 400, "Invalid OAuth access token.", 190);
      const token = `EAAlong${randomBytes(16).toString("hex")}`;
      tokens.set(token, "long");
      return send(res, 200, { access_token: token, token_type: "bearer", expires_in: 5183944 });
    }
    const redirect = codes.get(q.get("code"));
    codes.delete(q.get("code"));
    if (!redirect || redirect !== q.get("redirect_uri")) {
      return graphError(res, 400, "This authorization code has been used.", 100, 36009);
    }
    const token = `EAAshort${randomBytes(16).toString("hex")}`;
    tokens.set(token, "short");
    return send(res, 200, { access_token: token, token_type: "bearer", expires_in: 5400 });
  }

  // Everything below needs a token.
  requests += 1;
  const token = bearer(req);
  if (!tokens.has(token)) return graphError(res, 400, "Error validating access token: The session has been invalidated.", 190, 460);

  if (req.method === "GET" && path === "/me") return send(res, 200, PERSON);
  if (req.method === "DELETE" && path === "/me/permissions") {
    tokens.delete(token);
    return send(res, 200, { success: true });
  }
  if (req.method === "GET" && path === "/me/adaccounts") return send(res, 200, page([ACCOUNT], url, 25));
  if (req.method === "GET" && path === `/${ACCOUNT.id}/campaigns`) {
    const rows = campaigns.map((c) => ({
      id: c.id, name: c.name, status: c.status, objective: c.objective,
      ...(c.daily_budget ? { daily_budget: String(c.daily_budget) } : {}),
      ...(c.lifetime_budget ? { lifetime_budget: String(c.lifetime_budget) } : {}),
      updated_time: "2026-11-28T09:12:44+0000",
    }));
    return send(res, 200, page(rows, url, process.env.INSIGHTS_PAGE ? Math.min(insightsPage, 200) : 2));
  }
  if (req.method === "GET" && path === `/${ACCOUNT.id}/insights`) {
    let range;
    try { range = JSON.parse(url.searchParams.get("time_range") ?? ""); } catch { range = null; }
    if (!range?.since || !range?.until) return graphError(res, 400, "(#100) time_range is required", 100);
    const rows = [];
    const t = today();
    for (const c of campaigns) {
      for (let d = range.since; d <= range.until; d = addDays(d, 1)) {
        const f = figures(c, d, t);
        if (!f) continue;
        rows.push({
          campaign_id: c.id, date_start: d, date_stop: d, spend: major(f.spend),
          impressions: String(f.impressions), reach: String(f.reach), clicks: String(f.clicks),
          actions: [{ action_type: "link_click", value: String(f.clicks) }, { action_type: "omni_purchase", value: String(f.purchases) }],
          action_values: [{ action_type: "omni_purchase", value: major(f.value) }],
        });
      }
    }
    return send(res, 200, page(rows, url, insightsPage));
  }
  const campaign = campaigns.find((c) => path === `/${c.id}`);
  if (req.method === "POST" && campaign) {
    const form = new URLSearchParams(body);
    const write = { campaign: campaign.id };
    if (form.has("status")) {
      const s = form.get("status");
      if (!["ACTIVE", "PAUSED"].includes(s)) return graphError(res, 400, "(#100) Invalid parameter", 100);
      campaign.status = s;
      write.status = s;
    }
    if (form.has("daily_budget")) {
      const b = Number(form.get("daily_budget"));
      if (!Number.isInteger(b) || b < 100) return graphError(res, 400, "(#100) Invalid parameter: daily_budget", 100, 1885272);
      campaign.daily_budget = b;
      write.daily_budget = b;
    }
    writes.push(write);
    return send(res, 200, { success: true });
  }
  graphError(res, 400, `(#100) Unsupported ${req.method} request ${url.pathname}`, 100);
});

server.listen(port, "127.0.0.1", () => console.log(`ads stand-in on ${port}`));
