// A commerce stand-in for the end-to-end suite: the part of Shopify's GraphQL Admin API that
// Switchyard's sync uses, and signed webhook delivery, in the API's shapes (version 2026-10).
//
//   POST /admin/api/:version/graphql.json   X-Shopify-Access-Token; `shop { … }` and
//                                           `orders(first, after, sortKey: UPDATED_AT, query)`
//                                           with cursor pages (created_at or updated_at filters);
//                                           aliased per-day `ordersCount`s for reconciliation
//   POST /_standin/orders                   JSON {shop, token, orders: [node…]}: the shop's orders
//   POST /_standin/deliver                  JSON {topic, order (a webhook body), secret, shop,
//                                           webhookId}: signs it and posts it to WEBHOOK_URL;
//                                           answers the app's status
//   GET  /health
//
// Configuration: STANDIN_PORT, WEBHOOK_URL (the app's /webhooks/shopify).
import { createServer } from "node:http";
import { createHmac } from "node:crypto";

const port = Number(process.env.STANDIN_PORT ?? 3193);
const webhookUrl = process.env.WEBHOOK_URL ?? "http://127.0.0.1:3100/webhooks/shopify";
const PAGE = 2; // small pages, so a sync walks cursors

const shops = new Map(); // shop domain → { token, orders: [node] }

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

const cost = { requestedQueryCost: 252, actualQueryCost: 12,
  throttleStatus: { maximumAvailable: 2000.0, currentlyAvailable: 1988, restoreRate: 100.0 } };

function graphql(shop, query, variables) {
  if (query.includes("shop {") || query.includes("shop{")) {
    return { data: { shop: { name: shop.name, myshopifyDomain: shop.domain, currencyCode: "RON" } }, extensions: { cost } };
  }
  if (query.includes("ordersCount")) {
    // Reconciliation: aliased per-day counts and newest change (cN / lN).
    const data = {};
    const alias = /c(\d+): ordersCount\(query: "created_at:>='([^']+)' created_at:<'([^']+)'"/g;
    for (const [, i, from, to] of query.matchAll(alias)) {
      const day = shop.orders.filter((o) => o.createdAt >= from && o.createdAt < to);
      const latest = day.map((o) => o.updatedAt).sort().pop();
      data[`c${i}`] = { count: day.length, precision: "EXACT" };
      data[`l${i}`] = { nodes: latest ? [{ updatedAt: latest }] : [] };
    }
    return { data, extensions: { cost } };
  }
  if (query.includes("orders(")) {
    const since = /updated_at:>='([^']+)'/.exec(variables.query ?? "")?.[1];
    const created = /created_at:>='([^']+)' created_at:<'([^']+)'/.exec(variables.query ?? "");
    const all = shop.orders
      .filter((o) => !since || o.updatedAt >= since)
      .filter((o) => !created || (o.createdAt >= created[1] && o.createdAt < created[2]))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const start = variables.after ? Number(Buffer.from(variables.after, "base64").toString()) : 0;
    const nodes = all.slice(start, start + Math.min(variables.first ?? PAGE, PAGE));
    const end = start + nodes.length;
    return {
      data: { orders: { nodes, pageInfo: { hasNextPage: end < all.length, endCursor: nodes.length ? Buffer.from(String(end)).toString("base64") : null } } },
      extensions: { cost },
    };
  }
  return { errors: [{ message: "unsupported query in the stand-in" }] };
}

createServer(async (req, res) => {
  try {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (req.method === "GET" && url.pathname === "/health") return json(res, 200, { ok: true });
    if (req.method === "POST" && url.pathname === "/_standin/orders") {
      const { shop, token, name, orders } = JSON.parse(await body(req));
      shops.set(shop, { domain: shop, token, name: name ?? shop, orders });
      return json(res, 200, { ok: true, orders: orders.length });
    }
    if (req.method === "POST" && url.pathname === "/_standin/deliver") {
      const { topic, order, secret, shop, webhookId } = JSON.parse(await body(req));
      const payload = JSON.stringify(order);
      const r = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": topic,
          "x-shopify-shop-domain": shop,
          "x-shopify-webhook-id": webhookId,
          "x-shopify-event-id": webhookId,
          "x-shopify-api-version": "2026-10",
          "x-shopify-triggered-at": new Date().toISOString(),
          "x-shopify-hmac-sha256": createHmac("sha256", secret).update(payload).digest("base64"),
        },
        body: payload,
      });
      return json(res, 200, { status: r.status });
    }
    const m = /^\/admin\/api\/(\d{4}-\d{2})\/graphql\.json$/.exec(url.pathname);
    if (req.method === "POST" && m) {
      // Requests carry the shop in the token: the stand-in serves every shop on one port.
      const token = req.headers["x-shopify-access-token"];
      const shop = [...shops.values()].find((s) => s.token === token);
      if (!shop) return json(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      const { query, variables } = JSON.parse(await body(req));
      return json(res, 200, graphql(shop, query, variables ?? {}));
    }
    json(res, 404, { errors: "Not Found" });
  } catch (e) {
    json(res, 500, { errors: String(e) });
  }
}).listen(port, "127.0.0.1");
