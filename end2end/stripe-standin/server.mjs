// A Stripe Checkout stand-in for the end-to-end suite (no public Stripe emulator has Checkout
// Sessions). It speaks the part of Stripe's API Switchyard uses, in the shapes of API version
// 2026-09-30.endive (the one async-stripe 1.0.0-rc.10 pins):
//
//   POST /v1/checkout/sessions      form-encoded, Bearer secret key, Idempotency-Key honoured
//   GET  /v1/checkout/sessions/:id  the session
//   GET  /pay/:id                   the hosted payment page: Pay and Cancel
//   POST /pay/:id/pay               marks it paid, redirects to success_url, and delivers
//                                   signed checkout.session.completed and charge.succeeded
//                                   events to WEBHOOK_URL
//   GET  /receipts/:charge          the charge's receipt (its receipt_url)
//   POST /pay/:id/cancel            redirects to cancel_url (the session stays open)
//   GET  /health
//
// Configuration: STANDIN_PORT, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, WEBHOOK_URL.
import { createServer } from "node:http";
import { createHmac, randomBytes } from "node:crypto";

const port = Number(process.env.STANDIN_PORT ?? 3192);
const secretKey = process.env.STRIPE_SECRET_KEY ?? "sk_test_standin";
const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_standin";
const webhookUrl = process.env.WEBHOOK_URL ?? "http://127.0.0.1:3100/webhooks/stripe";
const base = `http://127.0.0.1:${port}`;
const API_VERSION = "2026-09-30.endive";

const sessions = new Map(); // id → session
const charges = new Map(); // id → charge
const idempotent = new Map(); // key → session id

const id = (prefix) => `${prefix}_test_${randomBytes(12).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

function stripeError(res, status, type, message, code) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}) } }));
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

// `line_items[0][price_data][unit_amount]=1` → { line_items: [{ price_data: { unit_amount: "1" } }] }
function parseForm(text) {
  const out = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, "").split("[");
    let node = out;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[i + 1]);
      if (last) node[part] = value;
      else node = node[part] ??= nextIsIndex ? [] : {};
    });
  }
  return out;
}

function createSession(form) {
  const items = form.line_items ?? [];
  if (form.mode !== "payment" || items.length === 0) return null;
  let total = 0;
  let currency = null;
  for (const item of items) {
    const price = item.price_data;
    if (!price || !price.currency || !price.unit_amount || !price.product_data?.name) return null;
    currency = price.currency;
    total += Number(price.unit_amount) * Number(item.quantity ?? 1);
  }
  const sessionId = id("cs");
  const session = {
    id: sessionId,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: form.cancel_url ?? null,
    client_reference_id: form.client_reference_id ?? null,
    client_secret: null,
    created: now(),
    currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: "if_required",
    customer_details: null,
    customer_email: form.customer_email ?? null,
    expires_at: now() + 24 * 3600,
    invoice: null,
    livemode: false,
    locale: null,
    metadata: form.metadata ?? {},
    mode: "payment",
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_types: ["card"],
    payment_status: "unpaid",
    phone_number_collection: { enabled: false },
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: form.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: `${base}/pay/${sessionId}`,
    // Not part of Stripe's object: what the pay page shows.
    _product: items[0].price_data.product_data.name,
  };
  sessions.set(sessionId, session);
  return session;
}

const publicView = (s) => {
  const { _product, ...rest } = s;
  return rest;
};

function money(cents, currency) {
  const amount = (cents / 100).toFixed(2);
  return currency === "usd" ? `$${amount}` : `${amount} ${currency.toUpperCase()}`;
}

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function payPage(s) {
  const done = s.status !== "open";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay · Stripe stand-in</title>
<style>body{font-family:system-ui,sans-serif;background:#f6f9fc;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001;padding:32px;width:360px}
h1{font-size:18px;margin:0 0 4px}p{color:#555;margin:4px 0}.amount{font-size:32px;color:#111;margin:16px 0}
button{width:100%;padding:12px;border-radius:8px;border:0;font-size:15px;margin-top:8px;cursor:pointer}
.pay{background:#635bff;color:#fff}.cancel{background:#eee;color:#333}</style></head>
<body><main><p>Stripe Checkout stand-in (test mode)</p><h1>${escape(s._product)}</h1>
<p>${escape(s.customer_email ?? "")}</p><p class="amount">${money(s.amount_total, s.currency)}</p>
${done ? `<p>This session is ${escape(s.status)}.</p>` : `<form method="post" action="/pay/${s.id}/pay"><button class="pay" type="submit">Pay ${money(s.amount_total, s.currency)}</button></form>
<form method="post" action="/pay/${s.id}/cancel"><button class="cancel" type="submit">Cancel</button></form>`}
</main></body></html>`;
}

function sign(payload) {
  const t = now();
  const v1 = createHmac("sha256", webhookSecret).update(`${t}.${payload}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

// Stripe retries failed deliveries for days; here a few times, a second apart.
async function deliver(type, object) {
  const event = {
    id: id("evt"),
    object: "event",
    api_version: API_VERSION,
    created: now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  const payload = JSON.stringify(event);
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": sign(payload) },
        body: payload,
      });
      if (res.ok) return;
      console.error(`webhook ${type}: ${res.status} (attempt ${attempt})`);
    } catch (e) {
      console.error(`webhook ${type}: ${e.message} (attempt ${attempt})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, base);
  const parts = url.pathname.split("/").filter(Boolean);
  try {
    if (url.pathname === "/health") return json(res, 200, { ok: true });
    if (parts[0] === "v1") {
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        return stripeError(res, 401, "invalid_request_error", "Invalid API Key provided.");
      }
      if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
        const key = req.headers["idempotency-key"];
        const text = await body(req);
        if (key && idempotent.has(key)) return json(res, 200, publicView(sessions.get(idempotent.get(key))));
        const session = createSession(parseForm(text));
        if (!session) return stripeError(res, 400, "invalid_request_error", "Missing required param: line_items.", "parameter_missing");
        if (key) idempotent.set(key, session.id);
        return json(res, 200, publicView(session));
      }
      if (req.method === "GET" && parts[1] === "checkout" && parts[2] === "sessions" && parts[3]) {
        const s = sessions.get(parts[3]);
        if (!s) return stripeError(res, 404, "invalid_request_error", `No such checkout.session: '${parts[3]}'`, "resource_missing");
        return json(res, 200, publicView(s));
      }
      return stripeError(res, 404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    }
    if (parts[0] === "receipts" && charges.has(parts[1])) {
      const { charge, product } = charges.get(parts[1]);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Receipt</title></head>
<body><h1>Receipt from Switchyard</h1><p>${escape(product)}</p><p>Paid ${money(charge.amount, charge.currency)}</p><p>${escape(charge.id)}</p></body></html>`);
    }
    if (parts[0] === "pay" && parts[1]) {
      const s = sessions.get(parts[1]);
      if (!s) {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("No such session");
      }
      if (req.method === "GET" && parts.length === 2) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(payPage(s));
      }
      if (req.method === "POST" && parts[2] === "pay" && s.status === "open") {
        s.status = "complete";
        s.payment_status = "paid";
        s.payment_intent = id("pi");
        s.customer_details = { email: s.customer_email, name: null, phone: null, tax_exempt: "none", tax_ids: [] };
        const charge = {
          id: id("ch"),
          object: "charge",
          amount: s.amount_total,
          amount_captured: s.amount_total,
          amount_refunded: 0,
          billing_details: { address: null, email: s.customer_email, name: null, phone: null },
          captured: true,
          created: now(),
          currency: s.currency,
          description: null,
          disputed: false,
          livemode: false,
          metadata: {},
          paid: true,
          payment_intent: s.payment_intent,
          receipt_email: s.customer_email,
          receipt_url: null,
          refunded: false,
          status: "succeeded",
        };
        charge.receipt_url = `${base}/receipts/${charge.id}`;
        charges.set(charge.id, { charge, product: s._product });
        // Like Stripe: the browser goes back at once; the events follow on their own.
        setTimeout(async () => {
          await deliver("checkout.session.completed", publicView(s));
          await deliver("charge.succeeded", charge);
        }, 500);
        res.writeHead(303, { location: s.success_url.replace("{CHECKOUT_SESSION_ID}", s.id) });
        return res.end();
      }
      if (req.method === "POST" && parts[2] === "cancel") {
        res.writeHead(303, { location: s.cancel_url });
        return res.end();
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Not found");
  } catch (e) {
    console.error(e);
    stripeError(res, 500, "api_error", "The stand-in failed.");
  }
});

server.listen(port, "127.0.0.1", () => console.log(`Stripe stand-in on ${base}`));
