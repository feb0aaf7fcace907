// Posts signed checkout.session.completed events to /webhooks/stripe at a steady rate and
// prints the latency percentiles. Every event is new (a new session for a Starter pack of
// COMPANY_ID); REPLAY_EVERY > 0 also re-sends every n-th event, as Stripe's retries would.
//
//   BASE=http://127.0.0.1:3300 SECRET=whsec_… COMPANY_ID=… RATE=50 DURATION=20 node bench/webhook-load.mjs
import { createHmac, randomBytes } from "node:crypto";

const base = process.env.BASE ?? "http://127.0.0.1:3300";
const secret = process.env.SECRET;
const company = process.env.COMPANY_ID;
const rate = Number(process.env.RATE ?? 50);
const seconds = Number(process.env.DURATION ?? 20);
const replayEvery = Number(process.env.REPLAY_EVERY ?? 10);
if (!secret || !company) throw new Error("SECRET and COMPANY_ID are required");

function event(i) {
  const session = `cs_bench_${i}_${randomBytes(4).toString("hex")}`;
  return JSON.stringify({
    id: `evt_bench_${i}_${randomBytes(6).toString("hex")}`, object: "event", type: "checkout.session.completed",
    api_version: "2026-09-30.endive", created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1,
    data: { object: {
      id: session, object: "checkout.session", automatic_tax: { enabled: false }, created: 1700000000,
      custom_fields: [], custom_text: {}, expires_at: 1900000000, livemode: false, mode: "payment",
      payment_method_types: ["card"], payment_status: "paid", status: "complete", shipping_options: [],
      amount_total: 2500, currency: "usd", client_reference_id: company,
      metadata: { company_id: company, pack: "starter" }, payment_intent: `pi_${session}`,
    } },
  });
}

async function post(body) {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  const start = performance.now();
  const res = await fetch(`${base}/webhooks/stripe`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` },
    body,
  });
  await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status };
}

const results = [];
const pending = [];
const total = rate * seconds;
const started = performance.now();
let sent = [];
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const body = replayEvery > 0 && i % replayEvery === replayEvery - 1 && sent.length ? sent[sent.length - 1] : event(i);
  sent.push(body);
  pending.push(post(body).then((r) => results.push(r)));
}
await Promise.all(pending);
const elapsed = (performance.now() - started) / 1000;
const ms = results.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))].toFixed(1);
const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const unique = new Set(sent).size;
console.log(`webhook: ${results.length} posts (${unique} distinct events) in ${elapsed.toFixed(1)} s at ${rate}/s`);
console.log(`webhook latency ms: p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${ms[ms.length - 1].toFixed(1)}`);
console.log(`webhook statuses: ${JSON.stringify(statuses)}`);
console.log(`distinct=${unique}`);
