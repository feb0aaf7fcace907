//! The guarded fetcher (`outbound::guard`) against wiremock on loopback: a page read through an
//! allowed `host:port`, and everything that must be refused before a request is made (loopback
//! and its spellings, a name resolving inside, a redirect inside, a name that changes its
//! answer between two lookups), plus the limits (redirects, body, deadline, retries).

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use server::outbound::guard::{FetchError, Fetcher, Limits, Lookup};
use wiremock::{matchers::path, Mock, MockServer, ResponseTemplate};

fn limits(allow: &[String]) -> Limits {
    Limits {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(500),
        retries: 0,
        allow: allow.to_vec(),
        ..Limits::default()
    }
}

fn pair(server: &MockServer) -> String {
    format!("127.0.0.1:{}", server.address().port())
}

/// Names answered from a table; a name not in it has no address.
fn table(entries: &[(&str, &[&str])]) -> Lookup {
    let entries: Vec<(String, Vec<IpAddr>)> = entries
        .iter()
        .map(|(n, ips)| {
            (
                n.to_string(),
                ips.iter().map(|i| i.parse().unwrap()).collect(),
            )
        })
        .collect();
    Arc::new(move |name: String| {
        let found = entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, ips)| ips.clone());
        Box::pin(async move { Ok(found.unwrap_or_default()) })
    })
}

async fn page_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<html><title>Atelier</title><body>Linen aprons</body></html>",
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

fn refused(r: Result<server::outbound::guard::Page, FetchError>, says: &str) {
    match r {
        Err(FetchError::Refused(text)) => {
            assert!(text.contains(says), "{text:?} should say {says:?}")
        }
        other => panic!("expected a refusal saying {says:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn an_allowed_stand_in_is_read() {
    let server = page_server().await;
    let fetcher = Fetcher::new(limits(&[pair(&server)]));
    let page = fetcher.get(&format!("{}/", server.uri())).await.unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type.as_deref(), Some("text/html"));
    assert_eq!(page.charset.as_deref(), Some("utf-8"));
    assert!(String::from_utf8_lossy(&page.body).contains("Linen aprons"));
    assert!(!page.truncated);
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(sent
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("SwitchyardBot/"));
}

#[tokio::test]
async fn loopback_in_any_spelling_is_refused_without_a_request() {
    let server = page_server().await;
    let port = server.address().port();
    let fetcher = Fetcher::new(limits(&[]));
    for address in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://017700000001:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://0:{port}/"),
    ] {
        refused(fetcher.get(&address).await, "only public sites are read");
    }
    // localhost goes through the system's resolver, which answers loopback.
    refused(
        fetcher.get(&format!("http://localhost:{port}/")).await,
        "localhost resolves to",
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn inside_addresses_are_refused_with_the_reason() {
    let fetcher = Fetcher::new(limits(&[]));
    for (address, says) in [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.5/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://172.20.0.1/", "private"),
        ("http://100.100.100.200/", "carrier-grade NAT"),
        ("http://[fd00:ec2::254]/", "unique local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
        ("ftp://example.com/", "Only http and https"),
        ("http://admin:secret@example.com/", "user name or password"),
    ] {
        refused(fetcher.get(address).await, says);
    }
}

#[tokio::test]
async fn a_name_resolving_inside_is_refused_even_beside_a_public_address() {
    let server = page_server().await;
    let port = server.address().port();
    let lookup = table(&[
        ("inside.test", &["127.0.0.1"]),
        ("metadata.test", &["169.254.169.254"]),
        ("mixed.test", &["1.1.1.1", "10.0.0.7"]),
        ("v6.test", &["::1"]),
    ]);
    let fetcher = Fetcher::with_lookup(limits(&[]), lookup);
    refused(
        fetcher.get(&format!("http://inside.test:{port}/")).await,
        "inside.test resolves to 127.0.0.1",
    );
    refused(
        fetcher.get("http://metadata.test/").await,
        "metadata.test resolves to 169.254.169.254",
    );
    refused(
        fetcher.get("http://mixed.test/").await,
        "mixed.test resolves to 10.0.0.7",
    );
    refused(
        fetcher.get(&format!("http://v6.test:{port}/")).await,
        "v6.test resolves to ::1",
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn a_name_that_changes_its_answer_is_connected_where_it_was_checked() {
    // DNS rebinding: public on the first lookup, loopback afterwards. A fetcher that checked
    // with one lookup and connected with another (or through the system's resolver, which
    // answers loopback for localhost) would reach the stand-in; ours connects to the address it
    // checked (a public one this machine cannot reach), and the stand-in hears nothing.
    let server = page_server().await;
    let port = server.address().port();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let lookup: Lookup = Arc::new(move |_name: String| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            Ok(vec![if n == 0 {
                "100.63.255.254"
            } else {
                "127.0.0.1"
            }
            .parse()
            .unwrap()])
        })
    });
    let fetcher = Fetcher::with_lookup(limits(&[]), lookup);
    let r = fetcher.get(&format!("http://localhost:{port}/")).await;
    assert!(
        matches!(r, Err(FetchError::Timeout | FetchError::Unreachable(_))),
        "{r:?}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one lookup, for the one connection"
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn redirects_are_checked_hop_by_hop_and_counted() {
    let server = MockServer::start().await;
    let inside = page_server().await;
    let redirect = |to: String| ResponseTemplate::new(302).insert_header("location", to.as_str());
    Mock::given(path("/to-metadata"))
        .respond_with(redirect("http://169.254.169.254/latest/meta-data/".into()))
        .mount(&server)
        .await;
    Mock::given(path("/to-inside"))
        .respond_with(redirect(format!(
            "http://127.0.0.1:{}/",
            inside.address().port()
        )))
        .mount(&server)
        .await;
    Mock::given(path("/to-file"))
        .respond_with(redirect("file:///etc/passwd".into()))
        .mount(&server)
        .await;
    for (i, next) in ["/r1", "/r2", "/r3", "/r4", "/"]
        .windows(2)
        .map(|w| (w[0], w[1]))
    {
        Mock::given(path(i))
            .respond_with(redirect(next.into()))
            .mount(&server)
            .await;
    }
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("home"))
        .mount(&server)
        .await;
    Mock::given(path("/three"))
        .respond_with(redirect("/r3".into()))
        .mount(&server)
        .await;

    let fetcher = Fetcher::new(limits(&[pair(&server)]));
    let base = server.uri();
    refused(
        fetcher.get(&format!("{base}/to-metadata")).await,
        "link-local",
    );
    refused(fetcher.get(&format!("{base}/to-inside")).await, "loopback");
    refused(
        fetcher.get(&format!("{base}/to-file")).await,
        "Only http and https",
    );
    assert_eq!(requests(&inside).await, 0);
    // Three redirects are followed; a fourth is not.
    let page = fetcher.get(&format!("{base}/three")).await.unwrap();
    assert!(page.url.as_str().ends_with('/') && page.body == b"home");
    assert_eq!(
        fetcher.get(&format!("{base}/r1")).await.unwrap_err(),
        FetchError::TooManyRedirects(3)
    );
}

#[tokio::test]
async fn a_long_body_is_cut_at_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 3 * 1024 * 1024]))
        .mount(&server)
        .await;
    let fetcher = Fetcher::new(Limits {
        max_body: 2 * 1024 * 1024,
        ..limits(&[pair(&server)])
    });
    let page = fetcher.get(&format!("{}/big", server.uri())).await.unwrap();
    assert!(page.truncated);
    assert_eq!(page.body.len(), 2 * 1024 * 1024);
    // Exactly the cap is the whole body.
    Mock::given(path("/full"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 2 * 1024 * 1024]))
        .mount(&server)
        .await;
    let page = fetcher
        .get(&format!("{}/full", server.uri()))
        .await
        .unwrap();
    assert!(!page.truncated);
    assert_eq!(page.body.len(), 2 * 1024 * 1024);
}

#[tokio::test]
async fn a_slow_site_times_out_after_its_retries_and_a_flaky_one_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_string("up"))
        .mount(&server)
        .await;
    Mock::given(path("/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let fetcher = Fetcher::new(Limits {
        timeout: Duration::from_millis(400),
        retries: 2,
        ..limits(&[pair(&server)])
    });
    let base = server.uri();
    assert_eq!(
        fetcher.get(&format!("{base}/slow")).await.unwrap_err(),
        FetchError::Timeout
    );
    let page = fetcher.get(&format!("{base}/flaky")).await.unwrap();
    assert_eq!((page.attempts, page.body.as_slice()), (3, &b"up"[..]));
    // A 404 is an answer, not a fault: no retry.
    assert_eq!(
        fetcher.get(&format!("{base}/gone")).await.unwrap_err(),
        FetchError::Status(404)
    );
    let seen = server.received_requests().await.unwrap();
    let count = |p: &str| seen.iter().filter(|r| r.url.path() == p).count();
    assert_eq!((count("/slow"), count("/flaky"), count("/gone")), (3, 3, 1));
}

#[tokio::test]
async fn robots_txt_is_asked_first() {
    let site = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "User-agent: *\nDisallow: /drafts\n\nUser-agent: SwitchyardBot\nDisallow: /private\n",
        ))
        .mount(&site)
        .await;
    for p in ["/", "/private/plans", "/drafts/x"] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_raw("<p>page</p>", "text/html"))
            .mount(&site)
            .await;
    }
    let fetcher = Fetcher::new(limits(&[pair(&site)]));
    let base = site.uri();
    assert!(fetcher.read(&format!("{base}/")).await.is_ok());
    // Our own group applies, not the catch-all one.
    assert!(fetcher.read(&format!("{base}/drafts/x")).await.is_ok());
    assert_eq!(
        fetcher
            .read(&format!("{base}/private/plans"))
            .await
            .unwrap_err(),
        FetchError::Disallowed("/private/plans".into())
    );
    let seen = site.received_requests().await.unwrap();
    assert!(
        !seen.iter().any(|r| r.url.path() == "/private/plans"),
        "a disallowed page is not requested"
    );

    // No robots.txt (404): no rules. One that fails (503): the site is left alone.
    let open = page_server().await;
    let down = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&down)
        .await;
    let fetcher = Fetcher::new(limits(&[pair(&open), pair(&down)]));
    assert!(fetcher.read(&format!("{}/", open.uri())).await.is_ok());
    let e = fetcher.read(&format!("{}/", down.uri())).await.unwrap_err();
    assert!(matches!(e, FetchError::RobotsUnreadable(_)), "{e:?}");
    assert_eq!(
        down.received_requests().await.unwrap().len(),
        1,
        "only robots.txt was asked"
    );

    // A robots.txt that redirects inside is not followed there, and the site is refused (as a
    // site whose own address is closed is).
    let sly = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", "http://169.254.169.254/robots.txt"),
        )
        .mount(&sly)
        .await;
    let fetcher = Fetcher::new(limits(&[pair(&sly)]));
    let e = fetcher.read(&format!("{}/", sly.uri())).await.unwrap_err();
    assert!(
        matches!(e, FetchError::Refused(ref t) if t.contains("link-local")),
        "{e:?}"
    );

    // A robots.txt that is forbidden (403) is "unavailable": no rules.
    let shy = page_server().await;
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&shy)
        .await;
    let fetcher = Fetcher::new(limits(&[pair(&shy)]));
    assert!(fetcher.read(&format!("{}/", shy.uri())).await.is_ok());
}
