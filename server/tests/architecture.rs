//! The layering rule, checked on the sources so it holds without anyone remembering it:
//! infrastructure never names an area. Areas plug in through `server::areas` (the composition
//! root), which hands infrastructure their configuration sections, job kinds, rate-limit scopes
//! and page tables.
//!
//! The check reads every `crate::…` path (including the names inside `use crate::{…}` groups)
//! and every `super::…` path of each infrastructure file, outside comments and test modules.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// The areas: each is a folder or file under server/src that infrastructure must not name.
const AREAS: &[&str] = &[
    "analyses",
    "api",
    "audit",
    "billing",
    "campaigns",
    "dashboard",
    "identity",
    "orders",
    "platform",
    "studio",
    "team",
];

/// Infrastructure and the pieces shared by every area. `(path under server/src, areas it may
/// name)`: only the AI keys may write the audit trail (a key saved is audited).
const INFRASTRUCTURE: &[(&str, &[&str])] = &[
    ("access.rs", &[]),
    ("ai", &["audit"]),
    ("clock.rs", &[]),
    ("config.rs", &[]),
    ("crypto.rs", &[]),
    ("dates.rs", &[]),
    ("db", &[]),
    ("email.rs", &[]),
    ("error.rs", &[]),
    ("format.rs", &[]),
    ("http/middleware.rs", &[]),
    ("http/flash.rs", &[]),
    ("http/forms.rs", &[]),
    ("http/mod.rs", &[]),
    ("http/ops.rs", &[]),
    ("http/test_hooks.rs", &[]),
    ("jobs", &[]),
    ("kv.rs", &[]),
    ("mail.rs", &[]),
    ("money.rs", &[]),
    ("outbound.rs", &[]),
    ("outbound", &[]),
    ("ratelimit.rs", &[]),
    ("sessions", &[]),
    ("sheets.rs", &[]),
    ("storage.rs", &[]),
    ("telemetry.rs", &[]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// The code of a file without line comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level module names a piece of code reaches through `prefix` (`crate::` or
/// `super::`), including each name of a `prefix{a::x, b}` group.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for it in items {
                let name = ident_at(it.trim());
                if !name.is_empty() {
                    names.insert(name.to_string());
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn infrastructure_never_names_an_area() {
    let root = src();
    let mut offences = Vec::new();
    for (path, allowed) in INFRASTRUCTURE {
        let files = rust_files(&root.join(path));
        assert!(
            !files.is_empty(),
            "{path} has no sources: update INFRASTRUCTURE"
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = code(&text);
            let mut named = names_after(&code, "crate::");
            // `super::x` from a file directly under src/ is `crate::x`; from a file of http/ it
            // is a sibling there, which must be infrastructure too.
            let rel = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            for name in names_after(&code, "super::") {
                if rel.starts_with("http/")
                    && !["flash", "forms", "middleware", "ops"].contains(&name.as_str())
                {
                    offences.push(format!("{rel} reaches the HTTP adapter super::{name}"));
                }
                named.insert(name);
            }
            for area in AREAS {
                if named.contains(*area) && !allowed.contains(area) {
                    offences.push(format!("{rel} names the area `{area}`"));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "infrastructure must not name an area (register the area in server::areas instead):\n  {}",
        offences.join("\n  ")
    );
}

#[test]
fn every_area_and_infrastructure_module_is_known() {
    // A new top-level module must be classified, or the rule above would silently skip it.
    let composition = ["areas", "state", "http", "lib"];
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs");
        let known = AREAS.contains(&module)
            || composition.contains(&module)
            || INFRASTRUCTURE
                .iter()
                .any(|(p, _)| p.trim_end_matches(".rs") == module);
        if !known {
            unknown.push(name);
        }
    }
    assert!(
        unknown.is_empty(),
        "classify these modules in tests/architecture.rs (area or infrastructure): {unknown:?}"
    );
}

#[test]
fn the_checker_sees_grouped_and_direct_paths() {
    let code = code(
        "use crate::{\n    access::Principal,\n    billing::{ledger, packs},\n    Db,\n};\n\
         fn f() { crate::identity::load(); } // crate::analyses in a comment\n\
         #[cfg(test)]\nmod tests { use crate::audit; }",
    );
    let names = names_after(&code, "crate::");
    assert!(names.contains("access") && names.contains("billing") && names.contains("identity"));
    assert!(names.contains("Db"));
    assert!(!names.contains("analyses"), "comments are not code");
    assert!(!names.contains("audit"), "test modules are not checked");
    assert!(!names.contains("ledger"), "only the top-level name counts");
}
