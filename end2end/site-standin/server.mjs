// A small company website for the content studio's research: the end-to-end suite's own
// static server, read by the app through its guarded fetcher (STUDIO_FETCH_ALLOW names this
// port, the only loopback address the fetcher may read).
//
//   GET /             Acme Roasters' home page (title, description, products, news)
//   GET /news/cluj    a news page, linked from the home page
//   GET /private/     disallowed by robots.txt
//   GET /robots.txt   allows everything but /private/
//   GET /_standin/requests   how many pages were served (research is cached for 24 hours)
//   GET /health
//
// Configuration: STANDIN_PORT.
import { createServer } from "node:http";

const port = Number(process.env.STANDIN_PORT ?? 3195);
let served = 0;

const home = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Acme Roasters | Coffee for offices</title>
<meta name="description" content="Acme Roasters roasts speciality coffee for offices and cafés across Romania."></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<h1>Fresh coffee, every week</h1>
<p>We roast speciality coffee in small batches and deliver it to offices in Bucharest and Cluj every Monday.</p>
<h2>Our products</h2><ul><li>Office coffee subscriptions</li><li>Espresso machine rental</li><li>Barista training</li></ul>
<h2>News</h2><p>New: our Cluj roastery opens in March 2026, doubling what we can roast each week.</p>
<p><a href="/news/cluj">Read the news about Cluj</a></p>
<footer>© Acme Roasters SRL</footer></body></html>`;

const pages = {
  "/": home,
  "/news/cluj": `<!doctype html><html><head><title>Cluj roastery | Acme Roasters</title></head><body><h1>Our Cluj roastery opens in March 2026</h1><p>It doubles what we can roast each week and brings fresh coffee to the offices of Transylvania within a day.</p></body></html>`,
  "/private/": `<!doctype html><html><head><title>Private</title></head><body><p>Not for robots.</p></body></html>`,
};

createServer((req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  if (url.pathname === "/health") return res.end("ok");
  if (url.pathname === "/_standin/requests") {
    res.setHeader("content-type", "application/json");
    return res.end(JSON.stringify({ served }));
  }
  if (url.pathname === "/robots.txt") {
    res.setHeader("content-type", "text/plain");
    return res.end("User-agent: *\nDisallow: /private/\n");
  }
  const page = pages[url.pathname];
  if (!page) {
    res.statusCode = 404;
    return res.end("not found");
  }
  served += 1;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.end(page);
}).listen(port, "127.0.0.1");
