// A commerce stand-in for the end-to-end suite: the part of Shopify's GraphQL Admin API that
// Switchyard's sync uses, and signed webhook delivery, in the API's shapes (version 2026-10).
//
//   POST /admin/api/:version/graphql.json   X-Shopify-Access-Token; `shop { … }` and
//                                           `orders(first, after, sortKey: UPDATED_AT, query)`
//                                           with cursor pages (created_at or updated_at filters);
//                                           aliased per-day `ordersCount`s for reconciliation;
//                                           `orderUpdate` of a listed order's email and shipping
//                                           address (a zip of "000000" gets a userError); the
//                                           plain `ordersCount`; `bulkOperationRunQuery` of every
//                                           order (a snapshot) and `node(id)` of that operation:
//                                           RUNNING while the shop's export is held, then
//                                           COMPLETED with the file's url
//   GET  /_standin/bulk/:n.jsonl            the export, grouped: each order's line (no lineItems),
//                                           then one line per item with __parentId; no token asked
//   POST /_standin/orders                   JSON {shop, token, orders: [node…], holdExport}: the
//                                           shop's orders; holdExport keeps its exports RUNNING
//   GET  /_standin/bulks                    the exports asked for: [{shop, polls, downloads}]
//   POST /_standin/deliver                  JSON {topic, order (a webhook body), secret, shop,
//                                           webhookId}: signs it and posts it to WEBHOOK_URL;
//                                           answers the app's status
//   GET  /health
//
// And FAN Courier's API v2 under /fancourier (FANCOURIER_API_BASE points there):
//   POST /fancourier/login                  form username, password ("wrong" is refused) →
//                                           {status, data: {token, expiresAt}}
//   POST /fancourier/intern-awb             Bearer token; one shipment → response[0].awbNumber,
//                                           or errors for an order number set to be refused
//   GET  /fancourier/awb/label              clientId, awbs[], pdf=1 → a one-page PDF
//   GET  /fancourier/reports/awb/tracking   clientId, awb[] → data[{awbNumber, events}]
//   POST /_standin/fancourier               JSON {refuse: {"#order": "reason"}, events: {awb: [...]}}
//   GET  /_standin/fancourier/awbs          the AWBs made: [{awb, order}]
//
// And Trendyol's order integration API under /trendyol (TRENDYOL_API_BASE points there):
//   GET  /trendyol/integration/order/sellers/:id/orders
//                                           Basic key:secret and the "<id> - SelfIntegration"
//                                           User-Agent; packages last changed in
//                                           [startDate, endDate] (at most two weeks), oldest
//                                           first, pages of two: {totalElements, totalPages, content}
//   POST /_standin/trendyol                 JSON {seller, key, secret, packages: [package…]}:
//                                           the seller's credentials and packages (merged by id)
//
// Configuration: STANDIN_PORT, WEBHOOK_URL (the app's /webhooks/shopify).
import { createServer } from "node:http";
import { createHmac } from "node:crypto";

const port = Number(process.env.STANDIN_PORT ?? 3193);
const webhookUrl = process.env.WEBHOOK_URL ?? "http://127.0.0.1:3100/webhooks/shopify";
const PAGE = 2; // small pages, so a sync walks cursors

const shops = new Map(); // shop domain → { token, orders: [node] }
const sellers = new Map(); // seller id → { key, secret, packages: Map(id → package) }
const fan = { tokens: new Set(), next: 2000000000001, awbs: [], refuse: {}, events: {} };
const bulks = []; // bulk operations: { shop, orders (a snapshot), polls, downloads }

/** "Y-m-d H:i:s", as FAN Courier writes times. */
function fanTime(d) {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** A small valid PDF naming the AWB. */
function labelPdf(awb) {
  const text = `BT /F1 18 Tf 40 760 Td (FAN Courier AWB ${awb}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** Trendyol's getShipmentPackages. */
function trendyol(req, res, url) {
  const m = /^\/trendyol\/integration\/order\/sellers\/(\d+)\/orders$/.exec(url.pathname);
  if (req.method !== "GET" || !m) return json(res, 404, { errors: [{ message: "Not Found" }] });
  const seller = sellers.get(m[1]);
  const basic = seller && "Basic " + Buffer.from(`${seller.key}:${seller.secret}`).toString("base64");
  if (!seller || req.headers.authorization !== basic) {
    return json(res, 401, { errors: [{ key: "401", message: "Unauthorized supplier credentials" }] });
  }
  if (req.headers["user-agent"] !== `${m[1]} - SelfIntegration`) {
    return json(res, 403, { errors: [{ message: "User-Agent must be '<sellerId> - SelfIntegration'" }] });
  }
  const q = (k) => Number(url.searchParams.get(k));
  const [start, end, page] = [q("startDate"), q("endDate"), q("page")];
  if (!(end >= start) || end - start > 14 * 86400000) {
    return json(res, 400, { errors: [{ message: "startDate and endDate may be two weeks apart at most" }] });
  }
  const size = Math.min(q("size") || 50, PAGE);
  const hits = [...seller.packages.values()]
    .filter((p) => p.lastModifiedDate >= start && p.lastModifiedDate <= end)
    .sort((a, b) => a.lastModifiedDate - b.lastModifiedDate);
  return json(res, 200, {
    page, size, totalElements: hits.length, totalPages: Math.ceil(hits.length / size),
    content: hits.slice(page * size, page * size + size),
  });
}

/** FAN Courier's API: answers true when it handled the request. */
async function fancourier(req, res, url) {
  const path = url.pathname.slice("/fancourier".length);
  if (req.method === "POST" && path === "/login") {
    const form = new URLSearchParams(await body(req));
    if (!form.get("username") || !form.get("password") || form.get("password") === "wrong") {
      return json(res, 401, { status: "fail", message: "These credentials do not match our records." });
    }
    const token = `${Math.floor(Math.random() * 1e8)}|standin${Date.now()}`;
    fan.tokens.add(token);
    // Romanian local time, as FAN Courier gives it (UTC+2 in winter is close enough here).
    return json(res, 200, { status: "success", data: { token, expiresAt: fanTime(new Date(Date.now() + 26 * 3600e3)) } });
  }
  const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
  if (!fan.tokens.has(token)) return json(res, 401, { message: "Unauthenticated." });
  if (req.method === "POST" && path === "/intern-awb") {
    const { shipments } = JSON.parse(await body(req));
    const s = shipments[0];
    const order = s.info.costCenter;
    if (fan.refuse[order]) {
      return json(res, 200, { response: [{ awbNumber: null, success: false, errors: { "recipient.locality": fan.refuse[order] } }] });
    }
    const awb = fan.next++;
    fan.awbs.push({ awb: String(awb), order, shipment: s });
    return json(res, 200, { response: [{ awbNumber: awb, tariff: 19.5, vat: 3.7, packages: s.info.packages.parcel, errors: null }] });
  }
  if (req.method === "GET" && path === "/awb/label") {
    const awb = url.searchParams.get("awbs[]");
    if (!fan.awbs.some((a) => a.awb === awb)) return json(res, 200, { status: "fail", message: "AWB not found" });
    res.writeHead(200, { "content-type": "application/pdf" });
    return res.end(labelPdf(awb));
  }
  if (req.method === "GET" && path === "/reports/awb/tracking") {
    const data = url.searchParams.getAll("awb[]").map((awb) => ({ awbNumber: awb, events: fan.events[awb] ?? [] }));
    return json(res, 200, { status: "success", data });
  }
  return json(res, 404, { message: "Not Found" });
}

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
  if (query.includes("ordersCount {")) {
    return { data: { ordersCount: { count: shop.orders.length, precision: "EXACT" } }, extensions: { cost } };
  }
  if (query.includes("bulkOperationRunQuery(")) {
    if (!query.includes("groupObjects: true") || !/lineItems/.test(variables.query ?? "")) {
      return { data: { bulkOperationRunQuery: { bulkOperation: null, userErrors: [{ field: ["query"], message: "The stand-in exports grouped orders with their line items only" }] } }, extensions: { cost } };
    }
    bulks.push({ shop: shop.domain, orders: structuredClone(shop.orders), polls: 0, downloads: 0 });
    const id = `gid://shopify/BulkOperation/${bulks.length}`;
    return { data: { bulkOperationRunQuery: { bulkOperation: { id, status: "CREATED" }, userErrors: [] } }, extensions: { cost } };
  }
  if (query.includes("on BulkOperation")) {
    const n = Number(/BulkOperation\/(\d+)$/.exec(variables.id ?? "")?.[1]);
    const op = bulks[n - 1];
    if (!op || op.shop !== shop.domain) return { data: { node: null }, extensions: { cost } };
    op.polls += 1;
    if (shop.holdExport) {
      return { data: { node: { status: "RUNNING", errorCode: null, objectCount: "0", url: null } }, extensions: { cost } };
    }
    const objects = op.orders.reduce((sum, o) => sum + 1 + (o.lineItems?.nodes?.length ?? 0), 0);
    const url = op.orders.length ? `http://127.0.0.1:${port}/_standin/bulk/${n}.jsonl` : null;
    return { data: { node: { status: "COMPLETED", errorCode: null, objectCount: String(objects), url } }, extensions: { cost } };
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
  if (query.includes("orderUpdate(")) {
    const input = variables.input ?? {};
    const order = shop.orders.find((o) => o.id === input.id);
    if (!order) {
      return { data: { orderUpdate: { order: null, userErrors: [{ field: ["id"], message: "Order does not exist" }] } }, extensions: { cost } };
    }
    if (input.shippingAddress?.zip === "000000") {
      return { data: { orderUpdate: { order: null, userErrors: [{ field: ["shippingAddress", "zip"], message: "Enter a valid postal code for Romania" }] } }, extensions: { cost } };
    }
    order.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    if (input.email) order.email = input.email;
    if (input.shippingAddress) order.shippingAddress = { ...order.shippingAddress, ...input.shippingAddress };
    return { data: { orderUpdate: { order: { id: order.id, updatedAt: order.updatedAt }, userErrors: [] } }, extensions: { cost } };
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
      const { shop, token, name, orders, holdExport } = JSON.parse(await body(req));
      shops.set(shop, { domain: shop, token, name: name ?? shop, orders, holdExport: !!holdExport });
      return json(res, 200, { ok: true, orders: orders.length });
    }
    if (req.method === "GET" && url.pathname === "/_standin/bulks") {
      return json(res, 200, bulks.map(({ shop, polls, downloads }) => ({ shop, polls, downloads })));
    }
    const file = /^\/_standin\/bulk\/(\d+)\.jsonl$/.exec(url.pathname);
    if (req.method === "GET" && file) {
      const op = bulks[Number(file[1]) - 1];
      if (!op) return json(res, 404, { errors: "Not Found" });
      op.downloads += 1;
      const lines = [];
      for (const o of op.orders) {
        const { lineItems, ...order } = o;
        lines.push(JSON.stringify(order));
        for (const item of lineItems?.nodes ?? []) lines.push(JSON.stringify({ ...item, __parentId: o.id }));
      }
      res.writeHead(200, { "content-type": "application/jsonl" });
      return res.end(lines.join("\n") + "\n");
    }
    if (url.pathname.startsWith("/fancourier/")) return await fancourier(req, res, url);
    if (url.pathname.startsWith("/trendyol/")) return trendyol(req, res, url);
    if (req.method === "POST" && url.pathname === "/_standin/trendyol") {
      const { seller, key, secret, packages } = JSON.parse(await body(req));
      const s = sellers.get(seller) ?? { packages: new Map() };
      Object.assign(s, { key, secret });
      for (const p of packages ?? []) s.packages.set(p.id, p);
      sellers.set(seller, s);
      return json(res, 200, { ok: true, packages: s.packages.size });
    }
    if (req.method === "POST" && url.pathname === "/_standin/fancourier") {
      const { refuse, events } = JSON.parse(await body(req));
      if (refuse) fan.refuse = refuse;
      if (events) Object.assign(fan.events, events);
      return json(res, 200, { ok: true });
    }
    if (req.method === "GET" && url.pathname === "/_standin/fancourier/awbs") {
      return json(res, 200, fan.awbs.map(({ awb, order }) => ({ awb, order })));
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
