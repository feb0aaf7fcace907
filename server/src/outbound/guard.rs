//! Fetching an address a member typed (a company's website, a reference page) without letting
//! it reach inside: only http and https, no credentials in the address, every hop's address
//! checked against loopback, private, link-local, shared (CGNAT), cloud-metadata and other
//! special ranges, at most `max_redirects` redirects followed by hand and each checked again, a
//! deadline per attempt, a retry or two when the site does not answer, and a cap on the body.
//!
//! The addresses are checked where reqwest gets them: the client's DNS resolver
//! (`GuardedResolver`) refuses a name with any address in a closed range, and reqwest connects
//! to exactly the addresses the resolver answered, so a name that resolves once to a public
//! address and then to 127.0.0.1 (DNS rebinding) cannot slip between a check and the
//! connection. reqwest does not ask the resolver for a literal IP host, so those are checked
//! on the parsed URL (`url` already turns `2130706433`, `0x7f.1` and `017700000001` into
//! 127.0.0.1). System proxies are off: a proxy would resolve the name itself.
//!
//! `allow` lists exact `host:port` pairs that skip the address check (the local stand-ins of
//! the tests; an operator may name an intranet site), still with every other limit.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ipnet::{Ipv4Net, Ipv6Net};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Answers a name's addresses (the system's resolver; tests give their own).
pub type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>
        + Send
        + Sync,
>;

/// The limits of one fetcher.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deadline of one attempt, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Bytes of body kept; a longer body is cut there and marked `truncated`.
    pub max_body: usize,
    pub max_redirects: usize,
    /// Further attempts after a timeout, a refused connection or a 5xx.
    pub retries: usize,
    pub user_agent: String,
    /// `host:port` pairs (host as written in the URL, lower case) that skip the address check.
    pub allow: Vec<String>,
    /// Every address may be reached, private ones included (a self-hoster's explicit choice).
    pub allow_private: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: 2 * 1024 * 1024,
            max_redirects: 3,
            retries: 2,
            user_agent: "SwitchyardBot/1.0 (+https://github.com/switchyard)".into(),
            allow: Vec::new(),
            allow_private: false,
        }
    }
}

/// The product token robots.txt groups are matched against (the user agent starts with it).
pub const ROBOT_TOKEN: &str = "SwitchyardBot";
/// RFC 9309 lets a crawler stop reading robots.txt after 500 KiB.
const ROBOTS_MAX: usize = 500 * 1024;

/// What was fetched.
#[derive(Clone, Debug)]
pub struct Page {
    /// The address that answered, after redirects.
    pub url: Url,
    pub status: u16,
    /// The media type, lower case, without parameters (`text/html`).
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub body: Vec<u8>,
    /// The body went past `max_body` and was cut there.
    pub truncated: bool,
    /// Attempts made (1 when the first answered).
    pub attempts: usize,
}

/// What an address answered to a POST: any status (the caller decides what counts).
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    /// The body, up to `max_body` bytes.
    pub body: Vec<u8>,
}

/// Why nothing was fetched. The words are for the member who typed the address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("{0}")]
    Refused(String),
    #[error("The site did not answer in time.")]
    Timeout,
    #[error("The site could not be reached: {0}")]
    Unreachable(String),
    #[error("The site answered {0}.")]
    Status(u16),
    #[error("The site redirected more than {0} times.")]
    TooManyRedirects(usize),
    #[error("The site's robots.txt asks robots not to read {0}.")]
    Disallowed(String),
    #[error("The site's robots.txt could not be read ({0}), so its pages are left alone.")]
    RobotsUnreadable(String),
}

impl FetchError {
    fn retryable(&self) -> bool {
        match self {
            FetchError::Timeout | FetchError::Unreachable(_) => true,
            FetchError::Status(s) => *s >= 500 || *s == 429,
            FetchError::Refused(_)
            | FetchError::TooManyRedirects(_)
            | FetchError::Disallowed(_)
            | FetchError::RobotsUnreadable(_) => false,
        }
    }
}

/// Fetches pages under `Limits`. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    limits: Arc<Limits>,
    guarded: reqwest::Client,
    trusted: reqwest::Client,
}

impl Fetcher {
    /// With the system's resolver.
    pub fn new(limits: Limits) -> Self {
        let lookup: Lookup = Arc::new(|host: String| {
            Box::pin(async move {
                Ok(tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect())
            })
        });
        Self::with_lookup(limits, lookup)
    }

    /// With `lookup` answering names (tests: names that resolve where they say).
    pub fn with_lookup(limits: Limits, lookup: Lookup) -> Self {
        let client = |check: bool| {
            reqwest::Client::builder()
                .dns_resolver(Arc::new(GuardedResolver {
                    lookup: lookup.clone(),
                    check,
                }))
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(limits.timeout)
                .connect_timeout(limits.connect_timeout)
                .user_agent(limits.user_agent.clone())
                .build()
                .expect("the fetcher's HTTP client builds")
        };
        Fetcher {
            guarded: client(true),
            trusted: client(false),
            limits: Arc::new(limits),
        }
    }

    /// Fetches `address` as a polite robot: first the site's robots.txt (RFC 9309: a 4xx
    /// means no rules; a 5xx or no answer means stay away), then the page when it allows. Only
    /// the typed address's site is asked: a page that redirects to another site is read there
    /// without asking that one's robots.txt.
    pub async fn read(&self, address: &str) -> Result<Page, FetchError> {
        let url = parse(address)?;
        self.robots_allow(&url).await?;
        self.get(url.as_str()).await
    }

    async fn robots_allow(&self, url: &Url) -> Result<(), FetchError> {
        let mut robots = url.clone();
        robots.set_path("/robots.txt");
        robots.set_query(None);
        robots.set_fragment(None);
        let limited = Fetcher {
            limits: Arc::new(Limits {
                max_body: ROBOTS_MAX,
                ..(*self.limits).clone()
            }),
            guarded: self.guarded.clone(),
            trusted: self.trusted.clone(),
        };
        let unreadable =
            |why: String| FetchError::RobotsUnreadable(why.trim_end_matches('.').to_string());
        let rules = match limited.get(robots.as_str()).await {
            Ok(page) => page.body,
            // RFC 9309: "unavailable" (a 4xx, or more redirects than followed) means no rules.
            Err(FetchError::Status(s)) if (400..500).contains(&s) => return Ok(()),
            Err(FetchError::TooManyRedirects(_)) => return Ok(()),
            // A closed address is the site's, not its robots.txt's, problem: said as such.
            Err(e @ FetchError::Refused(_)) => return Err(e),
            Err(e) => return Err(unreadable(e.to_string())),
        };
        // A file the parser cannot take (a pattern it cannot compile) could hide a Disallow:
        // the site is left alone rather than read against its wishes.
        let robot = texting_robots::Robot::new(ROBOT_TOKEN, &rules)
            .map_err(|_| unreadable("its rules could not be understood".into()))?;
        if robot.allowed(url.as_str()) {
            Ok(())
        } else {
            Err(FetchError::Disallowed(url.path().to_string()))
        }
    }

    /// Fetches `address` (a GET), following redirects by hand and retrying what may pass.
    pub async fn get(&self, address: &str) -> Result<Page, FetchError> {
        let url = parse(address)?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let attempt = tokio::time::timeout(self.limits.timeout, self.follow(url.clone()));
            match attempt.await.unwrap_or(Err(FetchError::Timeout)) {
                Ok(mut page) => {
                    page.attempts = attempts;
                    return Ok(page);
                }
                Err(e) if e.retryable() && attempts <= self.limits.retries => {
                    tokio::time::sleep(Duration::from_millis(200 * attempts as u64)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// POSTs `body` with `headers` to `address` once: no redirect is followed (a 3xx is the
    /// answer) and nothing is retried (the caller keeps its own schedule); the address checks
    /// and the deadline are a GET's.
    pub async fn post(
        &self,
        address: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Answer, FetchError> {
        let url = parse(address)?;
        let mut trusted = true;
        let client = self.client_for(&url, &mut trusted)?;
        let mut request = client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let send = async {
            let mut response = request.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                let room = self.limits.max_body - body.len();
                if chunk.len() >= room {
                    body.extend_from_slice(&chunk[..room]);
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.limits.timeout, send)
            .await
            .unwrap_or(Err(FetchError::Timeout))
    }

    async fn follow(&self, mut url: Url) -> Result<Page, FetchError> {
        // An allowed `host:port` is trusted only on a chain that started there: a public site
        // must not redirect into one.
        let mut trusted = true;
        for _ in 0..=self.limits.max_redirects {
            let client = self.client_for(&url, &mut trusted)?;
            let mut response = client.get(url.clone()).send().await.map_err(transport)?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                let next = url.join(location).map_err(|_| {
                    FetchError::Refused(format!(
                        "The site redirected to an address that is not one: {location}"
                    ))
                })?;
                url = parse(next.as_str())?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let (content_type, charset) = media_type(response.headers());
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                let room = self.limits.max_body - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Page {
                url,
                status: status.as_u16(),
                content_type,
                charset,
                body,
                truncated,
                attempts: 1,
            });
        }
        Err(FetchError::TooManyRedirects(self.limits.max_redirects))
    }

    /// The client for a hop: the trusted one for an allowed `host:port` while every hop so far
    /// was allowed too (`trusted`, cleared by the first hop that is not); otherwise the guarded
    /// one, after checking a literal IP host (the resolver checks names).
    fn client_for(&self, url: &Url, trusted: &mut bool) -> Result<&reqwest::Client, FetchError> {
        let host = url
            .host()
            .ok_or_else(|| FetchError::Refused("The address has no host.".into()))?;
        let port = url.port_or_known_default().unwrap_or(0);
        let pair = format!(
            "{}:{port}",
            url.host_str().unwrap_or_default().to_ascii_lowercase()
        );
        *trusted = *trusted
            && (self.limits.allow_private
                || self
                    .limits
                    .allow
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&pair)));
        if *trusted {
            return Ok(&self.trusted);
        }
        let ip = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        if let Some(ip) = ip {
            if let Some(why) = closed(ip) {
                return Err(FetchError::Refused(refusal(None, ip, why)));
            }
        }
        Ok(&self.guarded)
    }
}

/// Parses a typed address and refuses what is never fetched: another scheme, credentials in it.
pub fn parse(address: &str) -> Result<Url, FetchError> {
    let url = Url::parse(address.trim())
        .map_err(|_| FetchError::Refused(format!("“{}” is not a web address.", clip(address))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Refused(format!(
            "Only http and https addresses can be read, not {}:.",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Refused(
            "An address with a user name or password in it is not read.".into(),
        ));
    }
    if url.host().is_none() {
        return Err(FetchError::Refused("The address has no host.".into()));
    }
    Ok(url)
}

fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The refusal of a closed address: `name` is the host name that resolved to it, None for an
/// address written as an IP.
fn refusal(name: Option<&str>, ip: IpAddr, why: &str) -> String {
    match name {
        None => format!("{ip} is {why}; only public sites are read."),
        Some(name) => format!("{name} resolves to {ip}, {why}; only public sites are read."),
    }
}

fn transport(e: reqwest::Error) -> FetchError {
    // The resolver's refusal travels inside reqwest's connect error.
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Closed>() {
            return FetchError::Refused(r.0.clone());
        }
        source = s.source();
    }
    if e.is_timeout() {
        FetchError::Timeout
    } else if e.is_connect() {
        FetchError::Unreachable("the connection was refused or failed".into())
    } else {
        FetchError::Unreachable("the connection broke off".into())
    }
}

fn media_type(headers: &reqwest::header::HeaderMap) -> (Option<String>, Option<String>) {
    let Some(value) = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return (None, None);
    };
    let mut parts = value.split(';');
    let media = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    });
    (media, charset)
}

/// A name refused by the resolver (one of its addresses is closed).
#[derive(Debug)]
struct Closed(String);

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Closed {}

struct GuardedResolver {
    lookup: Lookup,
    check: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let lookup = self.lookup.clone();
        let check = self.check;
        Box::pin(async move {
            let ips = lookup(host.clone()).await?;
            if ips.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            if check {
                // Any closed address refuses the name: which one a connection would use is the
                // resolver's order, not ours to trust.
                if let Some((ip, why)) = ips.iter().find_map(|ip| closed(*ip).map(|w| (*ip, w))) {
                    let text = refusal(Some(&host), ip, why);
                    return Err(Box::new(Closed(text)) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

const V4_CLOSED: &[(Ipv4Net, &str)] = &[
    (
        Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8),
        "not a host's address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
        "a private address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
        "a carrier-grade NAT address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
        "a loopback address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
        "a link-local address (cloud metadata lives there)",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
        "a private address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24),
        "a protocol-assignment address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
        "a documentation address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 88, 99, 0), 24),
        "a relay address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
        "a private address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15),
        "a benchmarking address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
        "a documentation address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
        "a documentation address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
        "a multicast address",
    ),
    (
        Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4),
        "a reserved address",
    ),
    // Metadata services outside the ranges above.
    (
        Ipv4Net::new_assert(Ipv4Addr::new(168, 63, 129, 16), 32),
        "a cloud metadata address",
    ),
];

const V6_CLOSED: &[(Ipv6Net, &str)] = &[
    (
        Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128),
        "not a host's address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128),
        "a loopback address",
    ),
    // IPv4-compatible (deprecated); IPv4-mapped ones are checked as IPv4 before this table.
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
        "an IPv4-compatible address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96),
        "an IPv4-translated address",
    ),
    // NAT64 addresses that do not carry an IPv4 address the well-known way (64:ff9b::/96 does).
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 32),
        "a NAT64 address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
        "a discard address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32),
        "a Teredo address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0x2, 0, 0, 0, 0, 0, 0), 48),
        "a benchmarking address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
        "a documentation address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
        "a documentation address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
        "a private (unique local) address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
        "a link-local address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
        "a site-local address",
    ),
    (
        Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
        "a multicast address",
    ),
];

/// Why `ip` is never fetched, or None when it is a public address. An IPv6 address that carries
/// an IPv4 one (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address.
pub fn closed(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => V4_CLOSED
            .iter()
            .find(|(net, _)| net.contains(&v4))
            .map(|(_, why)| *why),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return closed(IpAddr::V4(v4));
            }
            V6_CLOSED
                .iter()
                .find(|(net, _)| net.contains(&v6))
                .map(|(_, why)| *why)
        }
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn closed_ranges() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.100.100.200",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.170",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "168.63.129.16",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001::1",
            "2001:db8::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(closed(ip(s)).is_some(), "{s} should be closed");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "198.20.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(closed(ip(s)), None, "{s} should be open");
        }
    }

    #[test]
    fn odd_spellings_of_loopback_are_loopback() {
        for s in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://017700000001/",
            "http://127.1/",
            "http://0x7f.0.0.1./",
            "http://[::ffff:127.0.0.1]/",
            "http://[::1]:8080/",
            "http://0/",
        ] {
            let url = parse(s).unwrap();
            let ip = match url.host().unwrap() {
                Host::Ipv4(v4) => IpAddr::V4(v4),
                Host::Ipv6(v6) => IpAddr::V6(v6),
                Host::Domain(d) => panic!("{s} parsed as the name {d}"),
            };
            assert!(closed(ip).is_some(), "{s} → {ip}");
        }
    }

    #[test]
    fn addresses_that_are_never_fetched() {
        for (s, says) in [
            ("ftp://example.com/", "Only http and https"),
            ("file:///etc/passwd", "Only http and https"),
            ("gopher://example.com/", "Only http and https"),
            ("javascript:alert(1)", "Only http and https"),
            ("http://user:pw@example.com/", "user name or password"),
            ("http://user@example.com/", "user name or password"),
            ("example.com", "is not a web address"),
            ("", "is not a web address"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.to_string().contains(says), "{s}: {e}");
        }
    }

    #[test]
    fn media_types_are_read_without_parameters() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::CONTENT_TYPE,
            "Text/HTML; Charset=\"ISO-8859-2\"".parse().unwrap(),
        );
        assert_eq!(
            media_type(&h),
            (Some("text/html".into()), Some("iso-8859-2".into()))
        );
    }
}
