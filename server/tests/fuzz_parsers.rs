//! Property tests ("fuzzing" with proptest) of the parsers that read what the internet sends:
//! the `next=` target, the webhook signature header, the upload checks and the local
//! extractor's reading of numbers and dates. Each runs a few thousand generated inputs,
//! hostile-looking ones weighted in, and checks that nothing panics and every answer keeps its
//! promise.

use std::time::Duration;

use proptest::prelude::*;
use server::{
    analyses::{local, pdf, upload},
    billing::stripe,
    http::middleware::safe_next,
};

/// Strings built from the characters that make redirects and headers dangerous.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/".to_string()),
        Just("//".to_string()),
        Just("\\".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just("%2f".to_string()),
        Just("%5c".to_string()),
        Just("%09".to_string()),
        Just(".".to_string()),
        Just("..".to_string()),
        Just(":".to_string()),
        Just("@".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("\u{FF0F}".to_string()),
        Just("evil.example".to_string()),
        Just("javascript:".to_string()),
        "[a-z0-9=&]{1,6}",
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn next_never_leaves_the_site(raw in prop_oneof![hostile(), any::<String>()]) {
        let public = url::Url::parse("https://ops.example.com").unwrap();
        let to = safe_next(Some(&raw), &public);
        prop_assert!(to.starts_with('/'));
        prop_assert!(!to.starts_with("//"));
        prop_assert!(!to.contains('\\'));
        prop_assert!(to.chars().all(|c| c.is_ascii_graphic()));
        // What a browser does with the Location: resolve it against the page's URL.
        let resolved = public.join(&to).unwrap();
        prop_assert_eq!(resolved.origin(), public.origin(), "{:?} → {:?}", raw, to);
    }

    #[test]
    fn the_stripe_signature_check_refuses_garbage_without_panicking(
        body in any::<String>(),
        header in prop_oneof![hostile(), "t=[0-9]{1,12},v1=[0-9a-f]{0,64}(,v0=[0-9a-f]{0,8})?", any::<String>()],
    ) {
        prop_assert!(stripe::verify(&body, Some(&header), "whsec_fuzz").is_err());
    }

    #[test]
    fn the_upload_sniffer_and_stream_scan_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = upload::sniff(&bytes);
        let mut pdf_like = b"%PDF-1.7\nstream\n".to_vec();
        pdf_like.extend_from_slice(&bytes);
        match pdf::inspect_streams(&pdf_like, 1 << 20, Duration::from_secs(5)) {
            Ok(total) => prop_assert!(total <= 1 << 20),
            Err(e) => prop_assert!(matches!(e, pdf::PdfError::Bomb(_) | pdf::PdfError::Timeout(_))),
        }
    }

    #[test]
    fn the_local_extractor_reads_any_text_without_inventing_confidence(
        lines in proptest::collection::vec(
            prop_oneof![
                "[A-Za-z ]{0,20}[:=]? {0,4}-?[0-9]{1,7}([.,][0-9]{1,4})? ?(Ω|ohm|MΩ|mΩ|kΩ|GΩ|°C|°F|%|m)?",
                "[A-Za-z ]{0,20} {3,6}[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}",
                any::<String>(),
            ],
            0..30,
        ),
        day_first in any::<bool>(),
    ) {
        let order = if day_first { local::DateOrder::DayFirst } else { local::DateOrder::MonthFirst };
        let page = lines.join("\n");
        let extraction = local::extract(&[page.clone(), page], order);
        let json = serde_json::to_value(&extraction).unwrap();
        // Every confidence it reports is a probability.
        let mut stack = vec![&json];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(c) = m.get("confidence").and_then(|c| c.as_f64()) {
                        prop_assert!((0.0..=1.0).contains(&c), "{}", c);
                    }
                    stack.extend(m.values());
                }
                serde_json::Value::Array(a) => stack.extend(a.iter()),
                _ => {}
            }
        }
    }
}
