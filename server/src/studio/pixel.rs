//! Who loaded a tracking pixel: a person's mail client, or a machine that fetches images
//! without anyone reading (Gmail's image proxy, Apple Mail Privacy Protection, Yahoo's proxy,
//! link and attachment scanners, scripts), or anything within seconds of sending, which no
//! person has had time to open. Only the class is kept, never the user agent itself.

use std::sync::LazyLock;

/// The GIF answered for every pixel: 1×1, transparent (43 bytes).
pub const GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// An open sooner than this after sending is a machine's.
pub const TOO_SOON_SECS: i64 = 10;

/// How an open is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opener {
    /// A person opened the message (as far as anyone can tell).
    pub human: bool,
    /// The class kept with the open, in words.
    pub class: &'static str,
}

/// Substrings (lower case) of user agents that are machines, with the class each is kept as.
const MACHINES: &[(&str, &str)] = &[
    ("googleimageproxy", "Gmail image proxy"),
    ("ggpht.com", "Gmail image proxy"),
    ("yahoomailproxy", "Yahoo image proxy"),
    ("barracuda", "security scanner"),
    ("mimecast", "security scanner"),
    ("proofpoint", "security scanner"),
    ("zscaler", "security scanner"),
    ("symantec", "security scanner"),
    ("forcepoint", "security scanner"),
    ("trendmicro", "security scanner"),
    ("sophos", "security scanner"),
    ("messagelabs", "security scanner"),
    ("safelinks", "security scanner"),
    ("headlesschrome", "script"),
    ("phantomjs", "script"),
    ("python-", "script"),
    ("curl/", "script"),
    ("wget/", "script"),
    ("go-http-client", "script"),
    ("okhttp", "script"),
    ("java/", "script"),
    ("libwww", "script"),
    ("node-fetch", "script"),
    ("axios/", "script"),
    ("bot", "link preview or crawler"),
    ("crawler", "link preview or crawler"),
    ("spider", "link preview or crawler"),
    ("preview", "link preview or crawler"),
    ("facebookexternalhit", "link preview or crawler"),
];

static APPLE_PROXY: LazyLock<[ipnet::IpNet; 1]> =
    LazyLock::new(|| ["17.0.0.0/8".parse().expect("a fixed network parses")]);

/// Classifies one load of a pixel: its user agent, the caller's address when known, and the
/// seconds since the message was marked sent (None when it was never marked).
pub fn classify(
    user_agent: Option<&str>,
    ip: Option<std::net::IpAddr>,
    secs_since_sent: Option<i64>,
) -> Opener {
    let machine = |class| Opener {
        human: false,
        class,
    };
    let ua = user_agent.unwrap_or_default().trim();
    if ua.is_empty() {
        return machine("no user agent");
    }
    let lower = ua.to_ascii_lowercase();
    // "bot" is in crawlers' names (Googlebot, Slackbot) but also in CUBOT, a phone maker.
    let phone_maker = lower.contains("cubot");
    if let Some((_, class)) = MACHINES
        .iter()
        .filter(|(needle, _)| !(phone_maker && *needle == "bot"))
        .find(|(needle, _)| lower.contains(needle))
    {
        return machine(class);
    }
    // Apple Mail Privacy Protection fetches through Apple's network with a bare "Mozilla/5.0".
    // A dual-stack listener sees an IPv4 caller as ::ffff:a.b.c.d.
    let ip = ip.map(|ip| ip.to_canonical());
    if ua == "Mozilla/5.0" || ip.is_some_and(|ip| APPLE_PROXY.iter().any(|n| n.contains(&ip))) {
        return machine("Apple Mail Privacy Protection");
    }
    if secs_since_sent.is_some_and(|s| s < TOO_SOON_SECS) {
        return machine("within seconds of sending");
    }
    let class = if [
        "outlook",
        "microsoft office",
        "thunderbird",
        "airmail",
        "spark",
        "mailbird",
        "postbox",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        "mail app"
    } else if ["iphone", "ipad", "android", "mobile"]
        .iter()
        .any(|m| lower.contains(m))
    {
        "phone or tablet"
    } else {
        "desktop mail or webmail"
    };
    Opener { human: true, class }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gif_is_a_gif() {
        assert!(GIF.starts_with(b"GIF89a") && GIF.ends_with(b";"));
        assert_eq!(GIF.len(), 43);
    }

    #[test]
    fn machines_are_told_apart() {
        // (user agent, caller's address, seconds since sent, class)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>, &'a str);
        let cases: &[Case] = &[
            (
                Some("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"),
                None,
                Some(3600),
                "Gmail image proxy",
            ),
            (Some("Mozilla/5.0"), None, Some(3600), "Apple Mail Privacy Protection"),
            (
                Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"),
                Some("::ffff:17.58.101.7"),
                Some(3600),
                "Apple Mail Privacy Protection",
            ),
            (
                Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"),
                Some("17.58.101.7"),
                Some(3600),
                "Apple Mail Privacy Protection",
            ),
            (Some("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"), None, Some(600), "Yahoo image proxy"),
            (Some("Mozilla/5.0 (compatible; Barracuda Sentinel)"), None, Some(600), "security scanner"),
            (Some("python-requests/2.31.0"), None, None, "script"),
            (Some("curl/8.5.0"), None, None, "script"),
            (Some("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0"), None, None, "script"),
            (Some("Slackbot-LinkExpanding 1.0"), None, None, "link preview or crawler"),
            (None, None, Some(600), "no user agent"),
            (Some("   "), None, Some(600), "no user agent"),
            (
                Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Microsoft Outlook 16.0"),
                None,
                Some(4),
                "within seconds of sending",
            ),
        ];
        for (ua, ip, secs, class) in cases {
            let o = classify(*ua, ip.map(|i| i.parse().unwrap()), *secs);
            assert_eq!((o.human, o.class), (false, *class), "{ua:?}");
        }
    }

    #[test]
    fn people_are_counted_as_people() {
        let cases: &[(&str, &str)] = &[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Microsoft Outlook 16.0.17126", "mail app"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0", "mail app"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", "phone or tablet"),
            ("Mozilla/5.0 (Linux; Android 12; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36", "phone or tablet"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", "desktop mail or webmail"),
        ];
        for (ua, class) in cases {
            let o = classify(Some(ua), Some("81.196.20.1".parse().unwrap()), Some(3600));
            assert_eq!((o.human, o.class), (true, *class), "{ua}");
        }
        // Never marked sent: no "too soon" to judge by.
        assert!(classify(Some(cases[0].0), None, None).human);
    }
}
