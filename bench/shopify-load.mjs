// Posts signed Shopify order webhooks to /webhooks/shopify at a steady rate and prints the
// acknowledgement latency percentiles. Every 10th post is a redelivery of the one before
// (same webhook id), every 7th an update of an earlier order with a newer updated_at: after
// the queue drains there must be exactly one order per distinct order id.
//
//   BASE=http://127.0.0.1:3302 SHOP=bench.myshopify.com SECRET=… RATE=500 DURATION=60 node bench/shopify-load.mjs
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const base = process.env.BASE ?? "http://127.0.0.1:3302";
const shop = process.env.SHOP ?? "bench.myshopify.com";
const secret = process.env.SECRET;
const rate = Number(process.env.RATE ?? 500);
const seconds = Number(process.env.DURATION ?? 60);
if (!secret) throw new Error("SECRET is required");
const fixture = JSON.parse(fs.readFileSync(new URL("../server/tests/fixtures/shopify/order.json", import.meta.url), "utf8"));

let orders = 0;
function delivery(i, last) {
  if (i % 10 === 9 && last) return last; // a redelivery
  let id;
  let updated = new Date(Date.UTC(2026, 10, 30, 8, 0, 0) + i * 1000).toISOString();
  let topic = "orders/create";
  if (i % 7 === 6 && orders > 0) {
    id = 1_000_000 + Math.floor(orders / 2); // an update of an earlier order
    topic = "orders/updated";
  } else {
    id = 1_000_000 + orders++;
  }
  const body = JSON.stringify({ ...fixture, id, name: `#B${id}`, updated_at: updated, created_at: updated });
  return { body, topic, webhookId: `bench-${i}`, sig: createHmac("sha256", secret).update(body).digest("base64") };
}

async function post(d) {
  const start = performance.now();
  const res = await fetch(`${base}/webhooks/shopify`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-shopify-topic": d.topic, "x-shopify-shop-domain": shop,
      "x-shopify-webhook-id": d.webhookId, "x-shopify-hmac-sha256": d.sig,
    },
    body: d.body,
  });
  await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status };
}

const results = [];
const pending = [];
const total = rate * seconds;
// The load generator's own stalls (its event loop late to send or to read an answer) count in
// the latencies it measures: printed apart, to tell them from the server's.
const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();
const started = performance.now();
let last = null;
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  last = delivery(i, last);
  pending.push(post(last).then((r) => results.push(r)));
}
await Promise.all(pending);
const elapsed = (performance.now() - started) / 1000;
const ms = results.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))].toFixed(1);
const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const non2xx = results.filter((r) => r.status < 200 || r.status > 299).length;
console.log(`shopify webhooks: ${results.length} posts in ${elapsed.toFixed(1)} s (${(results.length / elapsed).toFixed(0)}/s asked ${rate}/s)`);
console.log(`ack latency ms: p50 ${pct(50)}  p95 ${pct(95)}  p99 ${pct(99)}  max ${ms[ms.length - 1].toFixed(1)}   non-2xx ${non2xx}  ${JSON.stringify(statuses)}`);
lag.disable();
console.log(`load generator's event-loop delay ms: p99 ${(lag.percentile(99) / 1e6).toFixed(1)}  max ${(lag.max / 1e6).toFixed(1)}`);
console.log(`orders=${orders}`);
